package io.philotes.source;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * No source may be the service's own metadata database or its own HTTP port, whatever the host policy allows:
 * capturing the event store would feed on itself, and the embedded server is private to the service.
 */
@PhilotesTest
class OwnEndpointsTest {
    @Test
    void theMetadataDatabaseItselfIsRefusedAnotherDatabaseOnItsServerIsNot(TestApp app) {
        TestPostgres.Coordinates db = app.database();
        JsonObject itself = hostPolicy(app.client(), db.host(), db.port(), db.database(), db.user(), db.password());
        assertThat(itself.getString("status"), is("fail"));
        assertThat(itself.getString("message"), containsString("this service's own metadata database"));
        JsonObject neighbour = hostPolicy(app.client(), db.host(), db.port(), "postgres", db.user(), db.password());
        assertThat(neighbour.getString("status"), is("pass"));
    }

    @Test
    void theServicesOwnHttpPortIsRefused(TestApp app) {
        JsonObject check = hostPolicy(app.client(), "127.0.0.1", app.port(), "app", "u", "p");
        assertThat(check.getString("status"), is("fail"));
        assertThat(check.getString("message"), containsString("this service's own HTTP port"));
    }

    @Test
    void everyDatabaseOfTheEmbeddedMetadataServerIsRefused() throws Exception {
        Path data = TestPostgres.tempDir("philotes-embedded-private");
        try (TestApp embedded = TestApp.startWithOwnDatabase(Map.of("db.url", "", "data.dir", data.toString()))) {
            int port = serverPort(embedded);
            for (String database : new String[] {"postgres", "philotes", "template1"}) {
                for (String host : new String[] {"localhost", "127.0.0.1"}) {
                    JsonObject check = hostPolicy(embedded.client(), host, port, database, "postgres", "wrong");
                    assertThat(host + "/" + database, check.getString("status"), is("fail"));
                    assertThat(check.getString("message"), containsString("embedded metadata database"));
                    assertThat(check.getString("message"), not(containsString("wrong")));
                }
            }
        }
    }

    /* The port the embedded server really listens on, as the server itself says. */
    private static int serverPort(TestApp app) throws SQLException {
        try (Connection c = app.philotes().database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static JsonObject hostPolicy(ApiClient api, String host, int port, String database, String user, String password) {
        ApiClient.Response r = api.post("/api/v1/sources/test", Json.createObjectBuilder().add("host", host).add("port", port)
                .add("database", database).add("username", user).add("password", password).add("ssl_mode", "disable").build().toString());
        assertThat(r.toString(), r.status(), is(200));
        return r.json().getJsonArray("checks").getJsonObject(0);
    }
}
