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

/**
 * Events past the configured retention are deleted in the background once every consumer acknowledged them, and past
 * events.retention.max anyway (a consumer that had not read them is told); newer ones and the counters stay.
 */
@PhilotesTest(config = {"events.retention=1h", "events.retention.max=1d", "events.prune.interval=200ms", "audit.retention=1h"})
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
    void consumersHoldTheRetentionBackUntilTheHardCapAndAreToldWhenItPassesThem() throws Exception {
        String source = api.post("/api/v1/sources", SourceJson.named("held-source", 5432).toString()).json().getJsonObject("source").getString("id");
        String path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"held\",\"source_id\":\"" + source + "\"}")
                .json().getJsonObject("pipeline").getString("id");
        for (String name : List.of("ahead", "behind")) {
            assertThat(api.post(path + "/consumers", "{\"name\":\"" + name + "\",\"start\":\"earliest\"}").status(), is(201));
        }
        // 1-200 stored three days ago (past the hard cap), 201-400 two hours ago (past the retention), 401-410 just now.
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("""
                    INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, xid, commit_time, schema_name, table_name, op, after,
                                                 stored_at)
                    SELECT '%s', g, '0/1', '0/1', 1, now(), 'public', 't', 'insert', '{"id": 1}',
                           CASE WHEN g <= 200 THEN now() - interval '3 days' WHEN g <= 400 THEN now() - interval '2 hours' ELSE now() END
                    FROM generate_series(1, 410) g""".formatted(path.substring(path.lastIndexOf('/') + 1)));
        }
        assertThat(api.post(path + "/consumers/ahead/ack", "{\"up_to_seq\":300}").status(), is(200));
        assertThat(api.post(path + "/consumers/behind/ack", "{\"up_to_seq\":100}").status(), is(200));
        awaitFirstSeq(path, 201);
        Thread.sleep(1000); // several more prunes: the events the consumers hold stay
        assertThat(api.get(path + "/status").json().getInt("first_seq"), is(201));

        JsonObject behind = api.get(path + "/consumers/behind").json().getJsonObject("consumer");
        assertThat(behind.getBoolean("expired"), is(true));
        ApiClient.Response expired = api.get(path + "/consumers/behind/events");
        assertThat(expired.toString(), expired.status(), is(410));
        assertThat(expired.problemSlug(), is("events-expired"));
        assertThat(expired.json().getString("detail"), containsString("events 101 to 200 were deleted by events.retention.max"));
        assertThat(expired.json().getString("detail"), containsString("{\"up_to_seq\": 200}"));
        assertThat(api.get("/metrics").body(), containsString("philotes_consumer_expired{consumer=\"behind\",pipeline=\"held\"} 1.0"));
        JsonObject ahead = api.get(path + "/consumers/ahead/events?limit=1").json();
        assertThat(ahead.getJsonArray("events").getJsonObject(0).getInt("seq"), is(301));

        // Told, the lagging consumer reads on past the gap; once both acknowledged everything, the retention goes on.
        assertThat(api.post(path + "/consumers/behind/ack", "{\"up_to_seq\":200}").json().getJsonObject("consumer").getBoolean("expired"),
                   is(false));
        assertThat(api.get(path + "/consumers/behind/events?limit=1").json().getJsonArray("events").getJsonObject(0).getInt("seq"), is(201));
        assertThat(api.post(path + "/consumers/behind/ack", "{\"up_to_seq\":410}").status(), is(200));
        assertThat(api.post(path + "/consumers/ahead/ack", "{\"up_to_seq\":410}").status(), is(200));
        awaitFirstSeq(path, 401);
    }

    @Test
    void readersAreToldEvenWhenTheHardCapDeletedEveryEventOfTheirPipeline() throws Exception {
        String source = api.post("/api/v1/sources", SourceJson.named("emptied-source", 5432).toString()).json().getJsonObject("source")
                .getString("id");
        String id = api.post("/api/v1/pipelines", "{\"name\":\"emptied\",\"source_id\":\"" + source + "\"}").json()
                .getJsonObject("pipeline").getString("id");
        String path = "/api/v1/pipelines/" + id;
        assertThat(api.post(path + "/consumers", "{\"name\":\"late\"}").status(), is(201));
        assertThat(api.post(path + "/sinks", "{\"name\":\"late\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\"}").status(), is(201));
        assertThat(api.post(path + "/sinks/late/pause", "").status(), is(200));
        // A quiet pipeline: its 10 events, all three days old, are the last it stored.
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO philotes.pipeline_streams (pipeline_id, slot_name, publication_name, slot_created, publication_created,"
                    + " start_lsn, last_seq) VALUES ('" + id + "', 'gone', 'gone', false, false, '0/1', 10)");
            st.executeUpdate("INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, commit_time, schema_name, table_name, op, stored_at)"
                    + " SELECT '" + id + "', g, '0/1', '0/1', now(), 'public', 't', 'truncate', now() - interval '3 days'"
                    + " FROM generate_series(1, 10) g");
        }
        awaitFirstSeq(path, 11);
        long deadline = System.currentTimeMillis() + 10_000;
        while (!api.get(path + "/sinks/late").json().getJsonObject("sink").getString("state").equals("failed")
               && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        JsonObject sink = api.get(path + "/sinks/late").json().getJsonObject("sink");
        assertThat(sink.getString("state"), is("failed"));
        assertThat(sink.getString("last_error"), containsString("deleted by events.retention.max (1d)"));
        assertThat(api.get("/metrics").body(), containsString("philotes_consumer_expired{consumer=\"late\",pipeline=\"emptied\"} 1.0"));
        assertThat(api.get(path + "/consumers/late/events").status(), is(410));
    }

    private static void awaitFirstSeq(String path, int firstSeq) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        int first;
        do {
            Thread.sleep(100);
            first = api.get(path + "/status").json().getInt("first_seq");
        } while (first != firstSeq && System.currentTimeMillis() < deadline);
        assertThat(first, is(firstSeq));
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
        InvalidConfigException shorter = Assertions.assertThrows(InvalidConfigException.class,
                () -> TestApp.settings(Map.of("events.retention", "30d", "events.retention.max", "7d")));
        assertThat(shorter.getMessage(),
                   containsString("events.retention.max (EVENTS_RETENTION_MAX) = '7d' must be at least events.retention (30d)"));
    }
}
