package io.philotes.source;

import java.sql.Connection;
import java.sql.Statement;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** A catalog query that outlasts sources.discovery.timeout is a 502 that says it timed out. */
@PhilotesTest(config = "sources.discovery.timeout=1s")
class DiscoveryTimeoutTest {
    @Test
    void aCatalogQueryThatHangsIsReportedAsATimeout(ApiClient api) throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        String id = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "hangs").build().toString())
                .json().getJsonObject("source").getString("id");
        // Logging in does not read pg_constraint; discovery does, and waits for this lock until its time-out.
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("LOCK TABLE pg_catalog.pg_constraint IN ACCESS EXCLUSIVE MODE");
            ApiClient.Response r = api.get("/api/v1/sources/" + id + "/tables");
            assertThat(r.toString(), r.status(), is(502));
            assertThat(r.json().getString("detail"), containsString("timed out after 1000 ms"));
            c.rollback();
        }
    }
}
