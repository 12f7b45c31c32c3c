package io.philotes.cdc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * What an operator of the source needs from the engine: a slot the source invalidated, or a metadata database
 * behind its slot, is an error with the way out (never a silent gap), and the way out (stop, resnapshot, start)
 * takes a new copy numbered on after the events kept; a stop ends a copy at once; a stop whose runner is gone
 * is recorded. Each runs against a source server of its own (its settings are changed).
 */
class SlotSafetyTest {
    private static final long WAIT_MILLIS = 60_000;
    private static EmbeddedPostgres source;
    private static int port;
    private static TestApp app;
    private static ApiClient api;
    private static int names;
    private static Path sourceDir;

    @BeforeAll
    static void start() throws Exception {
        port = ServiceProcess.freePort();
        sourceDir = TestPostgres.tempDir("philotes-slot-safety");
        source = TestPostgres.startEmbedded(sourceDir, port);
        // A source that invalidates slots holding more than 1 MB of WAL (at its next checkpoint).
        sql("postgres", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
        sql("postgres", "SELECT pg_reload_conf()");
        app = TestApp.start(Map.of("pipelines.supervise.interval", "500ms", "pipelines.wal.warn", "1000000"));
        api = app.client();
    }

    @AfterAll
    static void stop() {
        app.close();
        TestPostgres.close(source, sourceDir);
    }

    @Test
    void aSlotTheSourceInvalidatedIsAnErrorWithTheWayOutWhichTakesANewCopyNumberedOn() throws Exception {
        String db = database("CREATE TABLE public.items (id int PRIMARY KEY); INSERT INTO public.items SELECT generate_series(1, 100);"
                             + " CREATE TABLE public.other (id int, filler text)");
        String path = pipeline(db, "items", "{}");
        started(path);
        PipelineEvents.await(api, path, 100, WAIT_MILLIS);
        stopped(path);

        // While stopped, the slot keeps WAL, and status says how much, with a warning above pipelines.wal.warn.
        sql(db, "INSERT INTO public.other SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
        awaitSlot(path, s -> s.containsKey("retained_wal_bytes") && s.getJsonNumber("retained_wal_bytes").longValue() > 1_000_000);
        JsonObject warning = api.get(path + "/status").json().getJsonArray("warnings").getJsonObject(0);
        assertThat(warning.getString("code"), is("wal_retained"));
        assertThat(warning.getString("message"), containsString("a stopped pipeline's slot keeps all WAL since its stop"));

        // The source removes the WAL the slot needed.
        for (int i = 0; i < 5 && !slotLost(db, PipelineEvents.slotName(path)); i++) {
            sql(db, "INSERT INTO public.other SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
            sql(db, "SELECT pg_switch_wal()");
            sql(db, "CHECKPOINT");
        }
        assertThat(slotLost(db, PipelineEvents.slotName(path)), is(true));
        assertThat(api.post(path + "/start", "").status(), is(200));
        JsonObject error = PipelineEvents.awaitStatus(api, path, "error", WAIT_MILLIS);
        assertThat(error.getString("error_message"), containsString("was invalidated by the source (wal_status lost"));
        assertThat(error.getString("error_message"), containsString("a new copy is needed: stop the pipeline (POST " + path + "/stop), then POST "
                + path + "/resnapshot and start it again"));
        assertThat(error.getJsonObject("slot").getString("wal_status"), is("lost"));

        // The way out, as the message says.
        assertThat(api.post(path + "/resnapshot", "").status(), is(409)); // not stopped yet
        stopped(path);
        ApiClient.Response resnapshot = api.post(path + "/resnapshot", "");
        assertThat(resnapshot.toString(), resnapshot.status(), is(200));
        sql(db, "INSERT INTO public.items VALUES (101)");
        started(path);
        sql(db, "INSERT INTO public.items VALUES (102)");
        List<JsonObject> events = PipelineEvents.await(api, path, 203, WAIT_MILLIS);
        assertThat(events.size(), is(203));
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).getInt("seq"), is(i + 1)); // numbered on: the first copy's events are kept
        }
        // The new copy starts with a truncate of the table, so that replaying every event gives the source's rows.
        assertThat(events.get(100).getString("op"), is("truncate"));
        assertThat(events.get(100).getString("table"), is("items"));
        assertThat(events.get(101).getString("op"), is("snapshot"));
        assertThat(events.get(201).getString("op"), is("snapshot"));
        assertThat(events.get(201).getJsonObject("after").getInt("id"), is(101));
        assertThat(events.get(202).getString("op"), is("insert"));
        assertThat(events.get(202).getJsonObject("after").getInt("id"), is(102));
        stopped(path);
    }

    @Test
    void aMetadataDatabaseBehindItsSlotIsAnErrorNamingTheMissingEventsNeverASilentGap() throws Exception {
        String db = database("CREATE TABLE public.items (id int PRIMARY KEY)");
        String path = pipeline(db, "items", "{\"snapshot\":\"never\"}");
        started(path);
        sql(db, "INSERT INTO public.items SELECT generate_series(1, 10)");
        PipelineEvents.await(api, path, 10, WAIT_MILLIS);
        stopped(path);

        // The metadata database as a backup taken before those events had it.
        metadata("UPDATE philotes.pipeline_streams SET confirmed_lsn = start_lsn, last_commit_lsn = NULL WHERE pipeline_id = '"
                 + path.substring(path.lastIndexOf('/') + 1) + "'");
        sql(db, "INSERT INTO public.items VALUES (11)");
        assertThat(api.post(path + "/start", "").status(), is(200));
        JsonObject error = PipelineEvents.awaitStatus(api, path, "error", WAIT_MILLIS);
        assertThat(error.getString("error_message"), containsString(" are missing from the metadata database: slot "));
        assertThat(error.getString("error_message"), containsString("POST " + path + "/resnapshot"));
        assertThat(PipelineEvents.all(api, path).size(), is(10)); // nothing was read past the gap
        stopped(path);
    }

    @Test
    void aStopInTheMiddleOfALargeCopyEndsItAtOnceAndTheNextStartGoesOnFromItsLastStoredChunk() throws Exception {
        String db = database("CREATE TABLE public.big (id int PRIMARY KEY, note text);"
                             + " INSERT INTO public.big SELECT g, md5(g::text) FROM generate_series(1, 1000000) g");
        String path = pipeline(db, "big", "{}");
        assertThat(api.post(path + "/start", "").status(), is(200));
        awaitLastSeq(path, 1);
        // It ends at once: what is stored after the stop is asked is what the runner held (a chunk read, one queued, at
        // most 10,000 rows each) and what the copy did during the request - counted in rows, not in time, which a loaded
        // machine stretches for the copy and the stop alike.
        long before = api.get(path + "/status").json().getJsonNumber("last_seq").longValue();
        long kept = PipelineEvents.stop(api, path, 60_000).getJsonNumber("last_seq").longValue();
        assertThat("stored after the stop was asked", kept - before, lessThan(100_000L));
        JsonArray last = api.get(path + "/events?limit=1&after=" + (kept - 1)).json().getJsonArray("events");
        int lastCopied = last.getJsonObject(0).getJsonObject("after").getInt("id");

        // The copy goes on after the last stored row: nothing is copied twice, nothing is skipped.
        assertThat(api.post(path + "/start", "").status(), is(200));
        awaitLastSeq(path, kept + 1);
        JsonArray next = api.get(path + "/events?limit=1&after=" + kept).json().getJsonArray("events");
        assertThat(next.getJsonObject(0).getJsonNumber("seq").longValue(), is(kept + 1));
        assertThat(next.getJsonObject(0).getString("op"), is("snapshot"));
        assertThat(next.getJsonObject(0).getJsonObject("after").getInt("id"), is(lastCopied + 1));
        stopped(path);
    }

    @Test
    void aStopWhoseRunnerIsGoneIsRecordedWithinASuperviseInterval() {
        String db = database("CREATE TABLE public.items (id int PRIMARY KEY)");
        String path = pipeline(db, "items", "{\"snapshot\":\"never\"}");
        // An instance that died (or shut down) while stopping it left it stopping, with no runner anywhere.
        metadata("UPDATE philotes.pipelines SET status = 'stopping' WHERE id = '" + path.substring(path.lastIndexOf('/') + 1) + "'");
        PipelineEvents.awaitStatus(api, path, "stopped", 5_000);
    }

    /* Waits by status, without reading the events: a large copy stores too many to read each time. */
    private static void awaitLastSeq(String path, long seq) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (api.get(path + "/status").json().getJsonNumber("last_seq").longValue() < seq) {
            assertThat("no event " + seq + " in time", System.currentTimeMillis() < deadline, is(true));
            Thread.sleep(50);
        }
    }

    private static JsonObject awaitSlot(String path, Predicate<JsonObject> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            JsonObject status = api.get(path + "/status").json();
            JsonObject slot = status.getJsonObject("slot");
            if (slot != null && condition.test(slot)) {
                return slot;
            }
            assertThat("slot never as expected: " + status, System.currentTimeMillis() < deadline, is(true));
            Thread.sleep(200);
        }
    }

    private static boolean slotLost(String db, String slot) throws SQLException {
        try (Connection c = connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() && "lost".equals(rs.getString(1));
        }
    }

    private static String database(String setup) {
        String db = "safety" + (++names);
        sql("postgres", "CREATE DATABASE " + db);
        sql(db, setup);
        return db;
    }

    private static String pipeline(String db, String table, String config) {
        String sourceId = api.post("/api/v1/sources", """
                {"name":"%s","host":"127.0.0.1","port":%d,"database":"%s","username":"postgres","password":"","ssl_mode":"disable"}"""
                .formatted(db, port, db)).json().getJsonObject("source").getString("id");
        ApiClient.Response r = api.post("/api/v1/pipelines", """
                {"name":"%s","source_id":"%s","tables":[{"table":"%s"}],"config":%s}"""
                .formatted(db, sourceId, table, config));
        assertThat(r.toString(), r.status(), is(201));
        return "/api/v1/pipelines/" + r.json().getJsonObject("pipeline").getString("id");
    }

    private static void started(String path) {
        ApiClient.Response r = api.post(path + "/start", "");
        assertThat(r.toString(), r.status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
    }

    private static void stopped(String path) {
        ApiClient.Response r = api.post(path + "/stop", "");
        assertThat(r.toString(), r.json().getJsonObject("pipeline").getString("status"), is("stopped"));
    }

    private static void metadata(String statement) {
        try (Connection conn = app.database().connect(); Statement st = conn.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connect(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, "postgres", "");
    }

    private static void sql(String db, String statement) {
        try (Connection c = connect(db); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
