package io.philotes.cdc;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * Incremental snapshots through the HTTP API against a real source: tables added to stopped and running
 * pipelines, a copy asked for again, tables without a key, a copy cut by SIGKILL, and a large copy that holds no
 * long transaction on the source.
 */
@PhilotesTest
class IncrementalSnapshotTest {
    private static final long WAIT_MILLIS = 60_000;
    private static SourceServers.Server server;
    private static TestApp app;
    private static ApiClient api;

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        api = app.client();
        server = source;
    }

    /*
     * The defect the issue names: a table with 100 rows added to a stopped pipeline, a row written while it was
     * stopped, the pipeline started, one more row written - only the last row ever arrived.
     */
    @Test
    void aTableAddedToAStoppedPipelineIsCopiedAtItsNextStart() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.first (id int PRIMARY KEY, v text);
                CREATE TABLE public.added (id int PRIMARY KEY, v text);
                INSERT INTO public.added SELECT g, 'row ' || g FROM generate_series(1, 100) g;""");
        String path = pipeline(api, db, "added-while-stopped", "[{\"table\":\"first\"}]", "{}");
        started(api, path);
        assertThat(api.post(path + "/stop", "").status(), is(200));
        ApiClient.Response added = api.post(path + "/tables", "{\"table\":\"added\"}");
        assertThat(added.toString(), added.status(), is(201));
        server.execute(db, "INSERT INTO public.added VALUES (101, 'while stopped')");
        started(api, path);
        server.execute(db, "INSERT INTO public.added VALUES (102, 'after the start')");
        Map<String, JsonObject> expected = sourceRows(db, "added");
        assertThat(awaitReplay(api, path, "added", expected), is(expected));
        JsonObject copy = snapshot(api.get(path + "/status").json(), "added");
        assertThat(copy.getString("state"), is("done"));
        assertThat(copy.getInt("rows_copied"), greaterThan(100));
        assertThat(copy.containsKey("started_at") && copy.containsKey("finished_at"), is(true));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aTableAddedToARunningPipelineIsCopiedBesideItsStreamAndAResnapshotCopiesItAgain() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.busy (id int PRIMARY KEY, v int);
                CREATE TABLE public.later (id int PRIMARY KEY, v text);
                INSERT INTO public.later SELECT g, 'row ' || g FROM generate_series(1, 5000) g;""");
        String path = pipeline(api, db, "added-while-running", "[{\"table\":\"busy\"}]", "{\"snapshot_chunk\":500}");
        started(api, path);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 1; writing.get(); i++) {
                server.execute(db, "INSERT INTO public.busy VALUES (" + i + ", 0); UPDATE public.later SET v = 'changed " + i + "' WHERE id = "
                                   + (1 + (i * 37) % 5000) + "; DELETE FROM public.later WHERE id = " + (1 + (i * 91) % 5000));
            }
        });
        try {
            ApiClient.Response added = api.post(path + "/tables", "{\"table\":\"later\"}");
            assertThat(added.toString(), added.status(), is(201));
            String mapping = added.json().getString("id");
            PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
            ApiClient.Response again = api.post(path + "/tables/" + mapping + "/resnapshot", "");
            assertThat(again.toString(), again.status(), is(202));
            assertThat(again.json().getJsonObject("table").getString("state"), is("pending"));
            Thread.sleep(300);
            PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        } finally {
            writing.set(false);
            writer.join();
        }
        Map<String, JsonObject> expected = sourceRows(db, "later");
        assertThat(awaitReplay(api, path, "later", expected), is(expected));
        List<JsonObject> events = PipelineEvents.all(api, path);
        long copied = events.stream().filter(e -> "later".equals(e.getString("table")) && "snapshot".equals(e.getString("op"))).count();
        assertThat("both copies are there", copied, greaterThan(5000L));
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).getInt("seq"), is(i + 1));
        }
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aTableWithoutAKeyIsCopiedWholeOnlyWhenItsMappingAllowsIt() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.keyed (id int PRIMARY KEY);
                CREATE TABLE public.loose (a int, b text);
                ALTER TABLE public.loose REPLICA IDENTITY FULL;
                INSERT INTO public.loose SELECT g % 7, 'dup' FROM generate_series(1, 300) g;""");
        String source = source(api, db, "loose-source");
        JsonObject loose = api.get("/api/v1/sources/" + source + "/tables?schema=public").json().getJsonArray("tables").stream()
                .map(JsonValue::asJsonObject).filter(t -> t.getString("name").equals("loose")).findFirst().orElseThrow();
        assertThat(loose.getJsonArray("snapshot_key").isEmpty(), is(true));
        assertThat(loose.getString("snapshot_issue"), containsString("allow_full_copy"));

        String path = create(api, source, "loose", "[{\"table\":\"keyed\"},{\"table\":\"loose\"}]", "{}");
        ApiClient.Response refused = api.post(path + "/start", "");
        assertThat(refused.toString(), refused.status(), is(409));
        assertThat(refused.json().getString("detail"), containsString("allow_full_copy"));

        String mapping = api.get(path + "/tables").json().getJsonArray("tables").stream().map(JsonValue::asJsonObject)
                .filter(t -> t.getString("source_table").equals("loose")).findFirst().orElseThrow().getString("id");
        assertThat(api.patch(path + "/tables/" + mapping, "{\"config\":{\"allow_full_copy\":true}}").status(), is(200));
        started(api, path);
        server.execute(db, "INSERT INTO public.loose VALUES (99, 'streamed'); DELETE FROM public.loose WHERE a = 3");
        List<String> expected = looseRows(db);
        assertThat(awaitLooseReplay(api, path, expected), is(expected));

        assertThat(api.patch(path + "/tables/" + mapping, "{\"config\":{}}").status(), is(200));
        ApiClient.Response notChunkable = api.post(path + "/tables/" + mapping + "/resnapshot", "");
        assertThat(notChunkable.toString(), notChunkable.status(), is(409));
        assertThat(notChunkable.json().getString("detail"), containsString("cannot be copied in chunks"));
        assertThat(api.patch(path + "/tables/" + mapping, "{\"config\":{\"allow_full_copy\":true}}").status(), is(200));
        assertThat(api.post(path + "/tables/" + mapping + "/resnapshot", "").status(), is(202));
        Thread.sleep(300);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        server.execute(db, "UPDATE public.loose SET b = 'updated' WHERE a = 1");
        expected = looseRows(db);
        assertThat("a copy taken again begins with a truncate, so nothing is there twice", awaitLooseReplay(api, path, expected), is(expected));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aMillionRowCopyNeverHoldsATransactionOnTheSourceForMoreThanAFewSeconds() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.big (id bigint PRIMARY KEY, payload text NOT NULL);
                INSERT INTO public.big SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
                ANALYZE public.big;""");
        String path = pipeline(api, db, "big-copy", "[{\"table\":\"big\"}]", "{}");
        AtomicBoolean copying = new AtomicBoolean(true);
        AtomicLong longest = new AtomicLong();
        Thread watcher = Thread.ofVirtual().start(() -> {
            try (Connection c = server.connect(db); Statement st = c.createStatement()) {
                while (copying.get()) {
                    // The oldest transaction of the service's sessions that holds back the source's vacuum.
                    try (ResultSet rs = st.executeQuery("SELECT COALESCE(max(EXTRACT(EPOCH FROM clock_timestamp() - xact_start) * 1000), 0)"
                            + " FROM pg_stat_activity WHERE application_name = 'philotes' AND backend_xmin IS NOT NULL"
                            + " AND backend_type = 'client backend'")) {
                        rs.next();
                        longest.accumulateAndGet(rs.getLong(1), Math::max);
                    }
                    Thread.sleep(50);
                }
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long copyMillis;
        try {
            long start = System.nanoTime();
            started(api, path);
            JsonObject status = PipelineEvents.awaitCopied(api, path, 180_000);
            copyMillis = (System.nanoTime() - start) / 1_000_000;
            JsonObject copy = snapshot(status, "big");
            assertThat(copy.getJsonNumber("rows_copied").longValue(), is(1_000_000L));
            assertThat(copy.getJsonNumber("rows_estimated").longValue(), greaterThan(900_000L));
            assertThat(status.getJsonNumber("events_processed").longValue(), is(1_000_000L));
        } finally {
            copying.set(false);
            watcher.join();
        }
        // Each chunk's transaction is short: a hundred chunks make the copy, and none holds a fifth of it (nor 10 s).
        assertThat("longest transaction on the source, ms, of a copy of " + copyMillis + " ms", longest.get(),
                   lessThan(Math.min(10_000L, copyMillis / 5)));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aCopyCutBySigkillGoesOnFromItsLastStoredChunkWithoutGapOrDuplicate() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.resumed (id int PRIMARY KEY, v text NOT NULL);
                INSERT INTO public.resumed SELECT g, 'row ' || g FROM generate_series(1, 60000) g;""");
        TestPostgres.Coordinates metadata = TestPostgres.freshDatabase();
        Path log = Files.createTempFile("philotes-copy-kill", ".log");
        ServiceProcess service = new ServiceProcess(metadata, ServiceProcess.freePort(), log);
        service.start();
        try {
            ApiClient client = new ApiClient(service.port());
            String path = pipeline(client, db, "killed-copy", "[{\"table\":\"resumed\"}]", "{\"snapshot_chunk\":500}");
            assertThat(client.post(path + "/start", "").status(), is(200));
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            long copied = 0;
            while (copied < 15000 && System.currentTimeMillis() < deadline) {
                copied = snapshot(client.get(path + "/status").json(), "resumed").getJsonNumber("rows_copied").longValue();
                Thread.sleep(20);
            }
            assertThat("the copy got going", copied, greaterThan(0L));
            service.kill();
            server.execute(db, "UPDATE public.resumed SET v = 'changed while down' WHERE id % 1000 = 0");
            service.start();
            JsonObject status = PipelineEvents.awaitCopied(client, path, WAIT_MILLIS);
            assertThat("see " + log, snapshot(status, "resumed").getJsonNumber("rows_copied").longValue(), is(60000L));
            List<JsonObject> events = PipelineEvents.all(client, path);
            Map<Integer, Integer> copies = new HashMap<>();
            for (int i = 0; i < events.size(); i++) {
                JsonObject e = events.get(i);
                assertThat(e.getInt("seq"), is(i + 1));
                if ("snapshot".equals(e.getString("op"))) {
                    copies.merge(e.getJsonObject("after").getInt("id"), 1, Integer::sum);
                }
            }
            assertThat("every row copied exactly once", copies.size() == 60000 && copies.values().stream().allMatch(n -> n == 1), is(true));
            Map<String, JsonObject> expected = sourceRows(db, "resumed");
            assertThat(replay(events, "resumed"), is(expected));
            assertThat(client.post(path + "/stop", "").status(), is(200));
        } finally {
            service.kill();
        }
    }

    /* Each chunk reads the table's plan anew: its rows have the columns the table has then, and another key starts it over. */
    @Test
    void columnsAndKeysChangedDuringACopyAreFollowed() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.shifting (id int PRIMARY KEY, note text, v int NOT NULL);
                INSERT INTO public.shifting SELECT g, 'note ' || g, g FROM generate_series(1, 30000) g;""");
        String path = pipeline(api, db, "shifting", "[{\"table\":\"shifting\"}]", "{\"snapshot_chunk\":500}");
        started(api, path);
        awaitCopied(path, "shifting", 3000);
        server.execute(db, "ALTER TABLE public.shifting ADD COLUMN extra int DEFAULT 7");
        awaitCopied(path, "shifting", 8000);
        server.execute(db, "ALTER TABLE public.shifting DROP COLUMN note");
        awaitCopied(path, "shifting", 13000);
        server.execute(db, "ALTER TABLE public.shifting DROP CONSTRAINT shifting_pkey, ADD PRIMARY KEY (v, id)");
        JsonObject copy = snapshot(PipelineEvents.awaitCopied(api, path, WAIT_MILLIS), "shifting");
        assertThat("the copy started over by the new key: " + copy, copy.getJsonNumber("rows_copied").longValue(), greaterThan(30000L));
        List<JsonObject> events = PipelineEvents.all(api, path);
        JsonObject last = events.getLast();
        assertThat(last.getString("op"), is("snapshot"));
        assertThat("the last row has the table's columns now: " + last, last.getJsonObject("after").keySet(), is(Set.of("id", "v", "extra")));
        assertThat(last.getJsonObject("key").keySet(), is(Set.of("v", "id")));
        assertThat(replay(events, "shifting").keySet(), is(sourceRows(db, "shifting").keySet()));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    /*
     * A transaction that wrote a table before it was added to the publication and commits after: pgoutput judges each
     * change by the catalog of its time, so that change never reaches the stream; the copy waits for it to end first.
     */
    @Test
    void aTransactionInFlightWhenATableIsAddedIsInItsCopy() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.first (id int PRIMARY KEY);
                CREATE TABLE public.joined (id int PRIMARY KEY, v text);
                INSERT INTO public.joined SELECT g, 'old' FROM generate_series(1, 100) g;""");
        String path = pipeline(api, db, "in-flight", "[{\"table\":\"first\"}]", "{}");
        started(api, path);
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("UPDATE public.joined SET v = 'written before, committed after' WHERE id = 7");
            assertThat(api.post(path + "/tables", "{\"table\":\"joined\"}").status(), is(201));
            Thread.sleep(2500); // the table is in the publication by now, and the copy waits
            assertThat(snapshot(api.get(path + "/status").json(), "joined").getString("state"), is("pending"));
            c.commit();
        }
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        Map<String, JsonObject> expected = sourceRows(db, "joined");
        assertThat(awaitReplay(api, path, "joined", expected).get("7").getString("v"), is("written before, committed after"));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    /* A table disabled for a while is copied again when enabled, after a truncate: rows deleted meanwhile go. */
    @Test
    void aTableEnabledAgainIsCopiedAfterATruncateSoRowsDeletedMeanwhileAreGone() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.kept (id int PRIMARY KEY);
                CREATE TABLE public.paused (id int PRIMARY KEY, v text);
                INSERT INTO public.paused SELECT g, 'v' FROM generate_series(1, 50) g;""");
        String path = pipeline(api, db, "paused", "[{\"table\":\"kept\"},{\"table\":\"paused\"}]", "{}");
        started(api, path);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        String mapping = api.get(path + "/tables").json().getJsonArray("tables").stream().map(JsonValue::asJsonObject)
                .filter(t -> t.getString("source_table").equals("paused")).findFirst().orElseThrow().getString("id");
        assertThat(api.post(path + "/stop", "").status(), is(200));
        assertThat(api.patch(path + "/tables/" + mapping, "{\"enabled\":false}").status(), is(200));
        started(api, path);
        server.execute(db, "DELETE FROM public.paused WHERE id <= 20; INSERT INTO public.paused VALUES (51, 'while disabled')");
        Thread.sleep(300);
        assertThat(api.post(path + "/stop", "").status(), is(200));
        assertThat(api.patch(path + "/tables/" + mapping, "{\"enabled\":true}").status(), is(200));
        started(api, path);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        Map<String, JsonObject> expected = sourceRows(db, "paused");
        assertThat(awaitReplay(api, path, "paused", expected), is(expected));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    /* With REPLICA IDENTITY FULL, an update that leaves a TOASTed value alone still carries it (from the whole old row). */
    @Test
    void anUpdateOfARowWithReplicaIdentityFullCarriesItsUnchangedLargeValue() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.docs (id int PRIMARY KEY, n int, body text);
                ALTER TABLE public.docs REPLICA IDENTITY FULL;
                INSERT INTO public.docs SELECT 1, 0, string_agg(md5(i::text), '') FROM generate_series(1, 2000) i;""");
        String path = pipeline(api, db, "docs", "[{\"table\":\"docs\"}]", "{}");
        started(api, path);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        server.execute(db, "UPDATE public.docs SET n = 1");
        List<JsonObject> events = PipelineEvents.await(api, path, 2, WAIT_MILLIS);
        JsonObject update = events.getLast();
        assertThat(update.getString("op"), is("update"));
        assertThat(update.getJsonObject("after").getString("body").length(), is(64000));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    private static void awaitCopied(String path, String table, long rows) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (snapshot(api.get(path + "/status").json(), table).getJsonNumber("rows_copied").longValue() < rows) {
            assertThat("no " + rows + " rows copied in time", System.currentTimeMillis() < deadline, is(true));
            Thread.sleep(5);
        }
    }

    private static String source(ApiClient client, String db, String name) {
        ApiClient.Response r = client.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", name).build().toString());
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("source").getString("id");
    }

    private static String pipeline(ApiClient client, String db, String name, String tables, String config) {
        return create(client, source(client, db, name + "-source"), name, tables, config);
    }

    private static String create(ApiClient client, String source, String name, String tables, String config) {
        ApiClient.Response r = client.post("/api/v1/pipelines", """
                {"name":"%s","source_id":"%s","tables":%s,"config":%s}""".formatted(name, source, tables, config));
        assertThat(r.toString(), r.status(), is(201));
        return "/api/v1/pipelines/" + r.json().getJsonObject("pipeline").getString("id");
    }

    private static void started(ApiClient client, String path) {
        ApiClient.Response r = client.post(path + "/start", "");
        assertThat(r.toString(), r.status(), is(200));
        PipelineEvents.awaitStatus(client, path, "running", WAIT_MILLIS);
    }

    private static JsonObject snapshot(JsonObject status, String table) {
        return status.getJsonArray("tables").stream().map(JsonValue::asJsonObject).filter(t -> t.getString("table").equals(table))
                .findFirst().orElseThrow(() -> new AssertionError("no table " + table + " in " + status)).getJsonObject("snapshot");
    }

    /* The source's rows of a table keyed by id, as JSON. */
    private static Map<String, JsonObject> sourceRows(String db, String table) throws SQLException {
        Map<String, JsonObject> rows = new TreeMap<>();
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT row_to_json(t)::text, id FROM public." + table + " t")) {
            while (rs.next()) {
                rows.put(rs.getString(2), Json.createReader(new StringReader(rs.getString(1))).readObject());
            }
        }
        return rows;
    }

    private static Map<String, JsonObject> awaitReplay(ApiClient client, String path, String table, Map<String, JsonObject> expected)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Map<String, JsonObject> replayed;
        do {
            replayed = replay(PipelineEvents.all(client, path), table);
            if (replayed.equals(expected)) {
                return replayed;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return replayed;
    }

    /* Applies a table's events in seq order to an empty copy keyed by id, as a consumer would (an update is an upsert). */
    static Map<String, JsonObject> replay(List<JsonObject> events, String table) {
        Map<String, JsonObject> rows = new TreeMap<>();
        for (JsonObject e : events) {
            if (!e.getString("table").equals(table)) {
                continue;
            }
            switch (e.getString("op")) {
                case "snapshot", "insert", "update" -> {
                    if (e.containsKey("before")) {
                        rows.remove(e.getJsonObject("before").get("id").toString());
                    }
                    rows.put(e.getJsonObject("after").get("id").toString(), e.getJsonObject("after"));
                }
                case "delete" -> rows.remove(e.getJsonObject("key").get("id").toString());
                case "truncate" -> rows.clear();
                default -> throw new AssertionError(e);
            }
        }
        return rows;
    }

    /* The keyless table's rows as a sorted multiset. */
    private static List<String> looseRows(String db) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT row_to_json(t)::text FROM public.loose t ORDER BY 1")) {
            while (rs.next()) {
                rows.add(Json.createReader(new StringReader(rs.getString(1))).readObject().toString());
            }
        }
        return rows;
    }

    /* Replays the keyless table: a row is its whole value; an update or delete takes out one equal row (replica identity full). */
    private static List<String> awaitLooseReplay(ApiClient client, String path, List<String> expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        List<String> rows;
        do {
            rows = new ArrayList<>();
            for (JsonObject e : PipelineEvents.all(client, path)) {
                if (!e.getString("table").equals("loose")) {
                    continue;
                }
                switch (e.getString("op")) {
                    case "snapshot", "insert" -> rows.add(e.getJsonObject("after").toString());
                    case "update" -> {
                        rows.remove(e.getJsonObject("before").toString());
                        rows.add(e.getJsonObject("after").toString());
                    }
                    case "delete" -> rows.remove(e.getJsonObject("before").toString());
                    case "truncate" -> rows.clear();
                    default -> throw new AssertionError(e);
                }
            }
            rows.sort(null);
            if (rows.equals(expected)) {
                return rows;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return rows;
    }
}
