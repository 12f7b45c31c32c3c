package io.philotes.cdc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * A pipeline deleted while its source is down: the delete is decided and done, its slot is never forgotten -
 * listed in /health and /metrics, keeping its source from being deleted - and dropped by a retry once the
 * source is back (the delete answered 503 and kept the pipeline before).
 */
class OrphanedSlotTest {
    private static final long WAIT_MILLIS = 60_000;

    @Test
    void aSlotThatCannotBeDroppedNowIsListedAndDroppedWhenTheSourceIsBack() throws Exception {
        Path dir = TestPostgres.tempDir("philotes-orphan");
        int port = ServiceProcess.freePort();
        EmbeddedPostgres source = TestPostgres.startEmbedded(dir, port);
        sql(port, "CREATE TABLE public.items (id int PRIMARY KEY)");
        try (TestApp app = TestApp.start(Map.of("pipelines.supervise.interval", "500ms"))) {
            ApiClient api = app.client();
            String sourcePath = "/api/v1/sources/" + api.post("/api/v1/sources", """
                    {"name":"orphan","host":"127.0.0.1","port":%d,"database":"postgres","username":"postgres","password":"",
                     "ssl_mode":"disable"}""".formatted(port)).json().getJsonObject("source").getString("id");
            String path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"orphan\",\"source_id\":\""
                    + sourcePath.substring(sourcePath.lastIndexOf('/') + 1) + "\",\"tables\":[{\"table\":\"items\"}],"
                    + "\"config\":{\"snapshot\":\"never\"}}").json().getJsonObject("pipeline").getString("id");
            String slot = PipelineEvents.slotName(path);
            assertThat(api.post(path + "/start", "").status(), is(200));
            PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
            PipelineEvents.stop(api, path, WAIT_MILLIS);
            assertThat(slotExists(port, slot), is(true));
            TestPostgres.close(source);

            ApiClient.Response deleted = api.delete(path);
            assertThat(deleted.toString(), deleted.status(), is(204));
            assertThat(api.get(path).status(), is(404));

            JsonObject slots = awaitSlots(api, "degraded");
            assertThat(slots.getJsonArray("slots").getString(0), is(slot));
            assertThat(api.get("/health").status(), is(200));
            assertThat(api.get("/metrics").body(), containsString("philotes_orphaned_slot{pipeline=\"orphan\",slot=\"" + slot + "\"} 1"));
            ApiClient.Response sourceDelete = api.delete(sourcePath);
            assertThat(sourceDelete.status(), is(409));
            assertThat(sourceDelete.json().getString("detail"), containsString("its slot " + slot + " on this source is still to be dropped"));

            source = TestPostgres.startEmbedded(dir, port); // with the slot, which the next look drops
            awaitSlots(api, "healthy");
            assertThat(slotExists(port, slot), is(false));
            assertThat(api.delete(sourcePath).status(), is(204));
        } finally {
            TestPostgres.close(source);
        }
    }

    private static JsonObject awaitSlots(ApiClient api, String status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            JsonObject slots = api.get("/health").json().getJsonObject("components").getJsonObject("replication_slots");
            if (slots.getString("status").equals(status)) {
                return slots;
            }
            assertThat("slots stayed " + slots, System.currentTimeMillis() < deadline, is(true));
            Thread.sleep(200);
        }
    }

    private static boolean slotExists(int port, String slot) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next();
        }
    }

    private static void sql(int port, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
