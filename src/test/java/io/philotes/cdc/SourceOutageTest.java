package io.philotes.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
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
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The source PostgreSQL crashes mid-stream (SIGKILL of its postmaster) and comes back: the pipeline goes to
 * {@code error} with the cause, returns to {@code running} by itself, and the store ends with every change
 * exactly once, although the crashed source forgot how far its slot was confirmed and sends old changes again.
 */
class SourceOutageTest {
    private static final long WAIT_MILLIS = 60_000;

    @Test
    void aCrashedSourceMeansErrorThenRunningAgainWithNothingLostOrRepeated() throws Exception {
        Path dir = TestPostgres.tempDir("philotes-outage");
        int port = ServiceProcess.freePort();
        EmbeddedPostgres source = TestPostgres.startEmbedded(dir, port);
        sql(port, "CREATE TABLE public.readings (id bigint PRIMARY KEY, value int)");
        try (TestApp app = TestApp.start(Map.of())) {
            ApiClient api = app.client();
            String sourceId = api.post("/api/v1/sources", """
                    {"name":"outage","host":"127.0.0.1","port":%d,"database":"postgres","username":"postgres","password":"",
                     "ssl_mode":"disable"}""".formatted(port)).json().getJsonObject("source").getString("id");
            String path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines",
                    "{\"name\":\"outage\",\"source_id\":\"" + sourceId + "\",\"tables\":[{\"table\":\"readings\"}],"
                    + "\"config\":{\"snapshot\":\"never\"}}")
                    .json().getJsonObject("pipeline").getString("id");
            assertThat(api.post(path + "/start", "").status(), is(200));
            for (int i = 0; i < 50; i++) {
                sql(port, "INSERT INTO public.readings SELECT g, g FROM generate_series(" + (i * 10 + 1) + ", " + (i * 10 + 10) + ") g");
            }
            awaitEvents(api, path, 500);

            // A crash: no shutdown checkpoint, so the slot comes back at the position saved when it was created.
            long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).getFirst().trim());
            ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
            JsonObject failed = awaitStatus(api, path, "error");
            assertThat(failed.getString("error_message"), not(is("")));
            // The cause as the pipeline met it: the server's goodbye, or the refused reconnect after it.
            assertThat(failed.getString("error_message").toLowerCase(), anyOf(containsString("postmaster exit"), containsString("refused")));

            TestPostgres.close(source); // releases the data directory's lock; the server is gone already
            EmbeddedPostgres restarted = TestPostgres.startEmbedded(dir, port);
            try {
                awaitStatus(api, path, "running");
                sql(port, "INSERT INTO public.readings SELECT g, g FROM generate_series(501, 600) g");
                List<JsonObject> events = awaitEvents(api, path, 600);
                assertThat(events.size(), is(600));
                for (int i = 0; i < events.size(); i++) {
                    assertThat(events.get(i).getInt("seq"), is(i + 1));
                    assertThat(events.get(i).getJsonObject("after").getInt("id"), is(i + 1));
                }
                assertThat(api.post(path + "/stop", "").status(), is(200));
            } finally {
                TestPostgres.close(restarted);
            }
        } finally {
            TestPostgres.close(source);
        }
    }

    private static void sql(int port, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
             Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static JsonObject awaitStatus(ApiClient api, String path, String status) {
        return PipelineEvents.awaitStatus(api, path, status, WAIT_MILLIS);
    }

    /* Every stored event once at least this many are stored (and a moment more, to see any extra). */
    private static List<JsonObject> awaitEvents(ApiClient api, String path, int count) throws InterruptedException {
        PipelineEvents.await(api, path, count, WAIT_MILLIS);
        Thread.sleep(500);
        return PipelineEvents.all(api, path);
    }

}
