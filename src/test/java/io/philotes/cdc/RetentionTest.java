package io.philotes.cdc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import io.philotes.config.InvalidConfigException;
import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.TestApp;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** Events past the configured retention are deleted in the background; newer ones and the counters stay. */
@PhilotesTest(config = {"events.retention=1h", "events.prune.interval=200ms", "audit.retention=1h"})
class RetentionTest {
    private static TestApp app;
    private static ApiClient api;

    @BeforeAll
    static void start(TestApp started) {
        app = started;
        api = started.client();
    }

    @Test
    void eventsOlderThanTheRetentionAreDeletedAndNewerOnesStay() throws Exception {
        String source = api.post("/api/v1/sources", SourceJson.named("retention-source", 5432).toString())
                .json().getJsonObject("source").getString("id");
        String id = api.post("/api/v1/pipelines", "{\"name\":\"retained\",\"source_id\":\"" + source + "\"}")
                .json().getJsonObject("pipeline").getString("id");
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("""
                    INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, xid, commit_time, schema_name, table_name, op, after,
                                                 stored_at)
                    SELECT '%s', g, '0/1', '0/1', 1, now(), 'public', 't', 'insert', '{"id": 1}',
                           CASE WHEN g <= 25000 THEN now() - interval '2 hours' ELSE now() - interval '10 minutes' END
                    FROM generate_series(1, 25003) g""".formatted(id));
        }
        assertThat(api.get("/api/v1/config").json().getJsonObject("events").getInt("retention_seconds"), is(3600));
        long deadline = System.currentTimeMillis() + 10_000;
        List<JsonValue> left;
        JsonObject page;
        do {
            Thread.sleep(100);
            page = api.get("/api/v1/pipelines/" + id + "/events?after=25000&limit=1000").json();
        } while (page.getInt("first_seq") != 25001 && System.currentTimeMillis() < deadline);
        left = page.getJsonArray("events");
        assertThat(left.stream().map(v -> ((JsonObject) v).getInt("seq")).toList(), is(List.of(25001, 25002, 25003)));
        assertThat(page.getInt("first_seq"), is(25001));
        assertThat(page.getInt("last_seq"), is(25003));
        assertThat(api.get("/api/v1/pipelines/" + id + "/status").json().getInt("first_seq"), is(25001));

        // A reader behind the retention is told, not silently moved on past what it never read.
        ApiClient.Response behind = api.get("/api/v1/pipelines/" + id + "/events?after=10");
        assertThat(behind.toString(), behind.status(), is(410));
        assertThat(behind.problemSlug(), is("events-expired"));
        assertThat(behind.json().getString("detail"), containsString("oldest available is seq 25001"));
    }

    @Test
    void auditEntriesOlderThanTheirRetentionAreDeletedToo() throws Exception {
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("""
                    INSERT INTO philotes.audit_log (at, client, method, path, status, request_id)
                    SELECT now() - make_interval(mins => g), '127.0.0.1', 'POST', '/api/v1/sources', 201, 'old-' || g
                    FROM generate_series(50, 70) g""");
        }
        long deadline = System.currentTimeMillis() + 10_000;
        List<String> left;
        do {
            Thread.sleep(100);
            left = api.get("/api/v1/audit?limit=1000").json().getJsonArray("entries").stream()
                    .map(v -> ((JsonObject) v).getString("request_id")).filter(r -> r.startsWith("old-")).toList();
        } while (left.size() != 10 && System.currentTimeMillis() < deadline);
        assertThat(left, is(List.of("old-50", "old-51", "old-52", "old-53", "old-54", "old-55", "old-56", "old-57", "old-58", "old-59")));
    }

    @Test
    void retentionIsValidated() throws SQLException {
        Assertions.assertThrows(InvalidConfigException.class,
                () -> TestApp.settings(Map.of("events.retention", "forever")));
        assertThat(TestApp.settings(Map.of("events.retention", "30d")).events().retention().toDays(), is(30L));
    }
}
