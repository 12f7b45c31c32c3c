package io.philotes.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.SourceServers;
import io.philotes.support.TestPostgres;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The service as a real separate process, killed with SIGKILL at random points while it streams, five times.
 * After each restart the pipeline resumes by itself, and in the end the stored events are exactly the source's
 * changes: every sequence number once, no change missing, none stored twice.
 */
class CrashRecoveryTest {
    private static final long WAIT_MILLIS = 60_000;

    @Test
    void killedFiveTimesWhileStreamingTheStoreHasNoGapAndNoDuplicate() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        // v counts the updates of a row, so (id, v) names every change exactly once.
        server.execute(db, "CREATE TABLE public.ledger (id bigint PRIMARY KEY, v int NOT NULL, note text)");
        TestPostgres.Coordinates metadata = TestPostgres.freshDatabase();
        Path log = Files.createTempFile("philotes-crash", ".log");
        int port = ServiceProcess.freePort();
        ServiceProcess service = new ServiceProcess(metadata, port, log);
        service.start();
        ApiClient api = new ApiClient(port);
        String path = PipelineEvents.streamingPipeline(api, server, db, "crash", "ledger");
        assertThat(api.post(path + "/start", "").status(), is(200));

        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> write(server, db, writing));
        Random random = new Random(42);
        try {
            for (int kill = 0; kill < 5; kill++) {
                Thread.sleep(300 + random.nextInt(900));
                service.kill();
                service.start();
            }
            Thread.sleep(500);
        } finally {
            writing.set(false);
            writer.join();
        }
        try {
            Set<String> expected = changes(server, db);
            List<JsonObject> events = PipelineEvents.await(api, path, expected.size(), WAIT_MILLIS);
            assertThat("see " + log, events.size(), is(expected.size()));
            Set<String> stored = new HashSet<>();
            for (int i = 0; i < events.size(); i++) {
                JsonObject e = events.get(i);
                assertThat(e.getInt("seq"), is(i + 1));
                JsonObject after = e.getJsonObject("after");
                stored.add(after.getJsonNumber("id").longValue() + ":" + after.getInt("v"));
            }
            assertThat(stored, is(expected));
            assertThat(api.post(path + "/stop", "").status(), is(200));
        } finally {
            service.kill();
            server.dropPipelineSlots();
        }
    }

    /* Small transactions without a pause: new rows, and updates that move v on. */
    private static void write(SourceServers.Server server, String db, AtomicBoolean writing) {
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            long next = 1;
            while (writing.get()) {
                st.execute("BEGIN");
                st.execute("INSERT INTO public.ledger SELECT g, 0, 'row ' || g FROM generate_series(" + next + ", " + (next + 19) + ") g");
                st.execute("UPDATE public.ledger SET v = v + 1 WHERE id IN (SELECT id FROM public.ledger ORDER BY random() LIMIT 5)");
                st.execute("COMMIT");
                next += 20;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /* Every change the source made: each row's insert (v = 0) and each update (v = 1 .. its last). */
    private static Set<String> changes(SourceServers.Server server, String db) throws SQLException {
        Set<String> all = new HashSet<>();
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, v FROM public.ledger")) {
            while (rs.next()) {
                for (int v = 0; v <= rs.getInt(2); v++) {
                    all.add(rs.getLong(1) + ":" + v);
                }
            }
        }
        return all;
    }

}
