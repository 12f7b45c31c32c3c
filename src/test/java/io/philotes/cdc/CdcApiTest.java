package io.philotes.cdc;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** Start, stream, stop and resume through the HTTP API, against a real source PostgreSQL (loopback). */
@PhilotesTest
class CdcApiTest {
    private static final long WAIT_MILLIS = 60_000;
    /* An accounts row as the contract types it: arrays keep their text form. */
    private static final String ACCOUNT = "json_build_object('id', id, 'owner', owner, 'balance', balance, 'active', active, 'tags', tags::text)";
    private static SourceServers.Server server;
    private static TestApp app;
    private static ApiClient api;

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        api = app.client();
        server = source;
    }

    /* A source database with the given tables, registered as a source; returns the source id. */
    private static String source(String db, String name) {
        ApiClient.Response r = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", name).build().toString());
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("source").getString("id");
    }

    private static String pipeline(String name, String sourceId, String tables, String config) {
        ApiClient.Response r = api.post("/api/v1/pipelines", """
                {"name":"%s","source_id":"%s","tables":%s,"config":%s}""".formatted(name, sourceId, tables, config));
        assertThat(r.toString(), r.status(), is(201));
        return "/api/v1/pipelines/" + r.json().getJsonObject("pipeline").getString("id");
    }

    private static JsonObject started(String path) {
        ApiClient.Response r = api.post(path + "/start", "");
        assertThat(r.toString(), r.status(), is(200));
        assertThat(r.json().getString("message"), is("pipeline started"));
        awaitStatus(path, "running");
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        return r.json().getJsonObject("pipeline");
    }

    private static JsonObject awaitStatus(String path, String status) {
        return PipelineEvents.awaitStatus(api, path, status, WAIT_MILLIS);
    }

    /* Every stored event, read page by page, once there are at least this many. */
    private static List<JsonObject> awaitEvents(String path, int count) {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        List<JsonObject> events = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonObject page = api.get(path + "/events?limit=7&after=" + after).json();
            page.getJsonArray("events").forEach(v -> events.add(v.asJsonObject()));
            assertThat(page.getJsonNumber("next_after").longValue(), is(events.isEmpty() ? after
                    : events.getLast().getJsonNumber("seq").longValue()));
            after = page.getJsonNumber("next_after").longValue();
            if (page.getJsonArray("events").isEmpty()) {
                if (events.size() >= count || System.currentTimeMillis() > deadline) {
                    return events;
                }
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> ops(List<JsonObject> events) {
        return events.stream().map(e -> e.getString("op") + ":" + e.getString("table")).toList();
    }

    /* Applies the events to an empty copy keyed by id, as a consumer would. */
    private static Map<Integer, JsonObject> replay(List<JsonObject> events, String table) {
        Map<Integer, JsonObject> rows = new TreeMap<>();
        for (JsonObject e : events) {
            if (!e.getString("table").equals(table)) {
                continue;
            }
            switch (e.getString("op")) {
                case "snapshot", "insert" -> rows.put(e.getJsonObject("after").getInt("id"), e.getJsonObject("after"));
                case "update" -> {
                    JsonObject old = e.containsKey("before") ? e.getJsonObject("before") : e.getJsonObject("key");
                    // During a copy, a row's update may come before its chunk: an update is an upsert.
                    JsonObject previous = rows.remove(old.getInt("id"));
                    Map<String, JsonValue> merged = previous == null ? new HashMap<>() : new HashMap<>(previous);
                    merged.putAll(e.getJsonObject("after"));
                    rows.put(e.getJsonObject("after").getInt("id"), Json.createObjectBuilder(merged).build());
                }
                case "delete" -> rows.remove(e.getJsonObject("key").getInt("id"));
                case "truncate" -> rows.clear();
                default -> throw new AssertionError(e);
            }
        }
        return rows;
    }

    /* The first few rows where a replay and the source differ, for a readable failure. */
    private static List<String> differences(Map<Integer, JsonObject> expected, Map<Integer, JsonObject> replayed) {
        TreeSet<Integer> ids = new TreeSet<>(expected.keySet());
        ids.addAll(replayed.keySet());
        return ids.stream().filter(id -> !Objects.equals(expected.get(id), replayed.get(id)))
                .limit(5).map(id -> id + ": source " + expected.get(id) + ", replayed " + replayed.get(id)).toList();
    }

    /* The source table as the contract types it (row is a JSON expression over its alias t), keyed by id. */
    private static Map<Integer, JsonObject> sourceRows(String db, String table, String row) throws SQLException {
        Map<Integer, JsonObject> rows = new TreeMap<>();
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            st.execute("SET TimeZone = 'UTC'");
            try (ResultSet rs = st.executeQuery("SELECT (" + row + ")::text, id FROM " + table + " t")) {
                while (rs.next()) {
                    rows.put(rs.getInt(2), Json.createReader(new StringReader(rs.getString(1))).readObject());
                }
            }
        }
        return rows;
    }

    @Test
    void startCopiesTheRowsThenStreamsEveryChangeInCommitOrderAndStopResumesWhereItEnded() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.accounts (id int PRIMARY KEY, owner text, balance numeric(12,2), active bool, tags text[]);
                CREATE TABLE public.notes (id int PRIMARY KEY, body text);
                CREATE TABLE public.ignored (id int PRIMARY KEY);
                INSERT INTO public.accounts VALUES (1, 'ada', 10.50, true, '{a,b}'), (2, 'bob', 0, false, NULL);
                INSERT INTO public.notes VALUES (1, 'first');
                """);
        String path = pipeline("streaming", source(db, "streaming-source"), "[{\"table\":\"accounts\"},{\"table\":\"notes\"}]", "{}");
        JsonObject pipeline = started(path);
        assertThat(api.post(path + "/start", "").status(), is(409));
        assertThat(api.put(path, "{\"name\":\"renamed\"}").status(), is(409));

        server.execute(db, "INSERT INTO public.accounts VALUES (3, 'zoë 表', 99.99, true, '{}')");
        server.execute(db, "UPDATE public.accounts SET balance = balance + 1 WHERE id = 1; INSERT INTO public.ignored VALUES (1)");
        server.execute(db, "UPDATE public.accounts SET id = 20 WHERE id = 2");
        server.execute(db, "DELETE FROM public.accounts WHERE id = 3");
        server.execute(db, "TRUNCATE public.notes");
        server.execute(db, "INSERT INTO public.notes VALUES (2, NULL)");
        List<JsonObject> events = awaitEvents(path, 9);
        assertThat(ops(events), is(List.of("snapshot:accounts", "snapshot:accounts", "snapshot:notes", "insert:accounts",
                "update:accounts", "update:accounts", "delete:accounts", "truncate:notes", "insert:notes")));
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).getInt("seq"), is(i + 1));
        }
        JsonObject insert = events.get(3);
        assertThat(insert.getJsonObject("after").toString(),
                   is("{\"id\":3,\"owner\":\"zoë 表\",\"balance\":99.99,\"active\":true,\"tags\":\"{}\"}"));
        assertThat(insert.getJsonObject("key").toString(), is("{\"id\":3}"));
        assertThat(insert.containsKey("xid"), is(true));
        assertThat(events.get(0).containsKey("xid"), is(false));
        assertThat(events.get(5).getJsonObject("before").toString(), is("{\"id\":2}"));
        assertThat(events.get(4).getString("commit_lsn").compareTo(events.get(3).getString("commit_lsn")) != 0, is(true));
        assertThat(events.get(8).getJsonObject("after").get("body"), is(JsonValue.NULL));
        assertThat(replay(events, "accounts"), is(sourceRows(db, "public.accounts", ACCOUNT)));
        assertThat(replay(events, "notes"), is(sourceRows(db, "public.notes", "row_to_json(t)")));

        JsonObject status = awaitStatus(path, "running");
        assertThat(status.getInt("events_processed"), is(9));
        assertThat(status.getString("uptime"), containsString("s"));
        assertThat(status.containsKey("confirmed_lsn"), is(true));
        assertThat(status.getJsonArray("tables").stream().map(t -> t.asJsonObject().getString("table") + "="
                + t.asJsonObject().getInt("events_processed")).toList(), is(List.of("accounts=6", "notes=3")));

        ApiClient.Response stopped = api.post(path + "/stop", "");
        assertThat(stopped.status(), is(200));
        assertThat(stopped.json().getString("message"), is("pipeline stopped"));
        assertThat(stopped.json().getJsonObject("pipeline").getString("status"), is("stopped"));
        assertThat(api.post(path + "/stop", "").status(), is(409));
        JsonObject stoppedStatus = api.get(path + "/status").json();
        assertThat(stoppedStatus.containsKey("uptime"), is(false));

        server.execute(db, "INSERT INTO public.accounts VALUES (4, 'while stopped', 1, true, NULL)");
        started(path);
        server.execute(db, "DELETE FROM public.accounts WHERE id = 4");
        List<JsonObject> more = awaitEvents(path, 11);
        assertThat(ops(more).subList(9, 11), is(List.of("insert:accounts", "delete:accounts")));
        assertThat(more.size(), is(11));
        assertThat(replay(more, "accounts"), is(sourceRows(db, "public.accounts", ACCOUNT)));
        assertThat(api.post(path + "/stop", "").status(), is(200));
        assertThat(pipeline.getString("id"), not(is("")));
    }

    @Test
    void aServiceRestartedInTheMiddleOfALargeTransactionResumesWithoutGapOrDuplicate() throws Exception {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.big (id int PRIMARY KEY, payload text)");
        TestApp first = TestApp.start(Map.of());
        ApiClient firstApi = first.client();
        ApiClient.Response source = firstApi.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "restarted")
                .build().toString());
        String sourceId = source.json().getJsonObject("source").getString("id");
        ApiClient.Response created = firstApi.post("/api/v1/pipelines", """
                {"name":"restarted","source_id":"%s","tables":[{"table":"big"}],"config":{"snapshot":"never"}}""".formatted(sourceId));
        String path = "/api/v1/pipelines/" + created.json().getJsonObject("pipeline").getString("id");
        assertThat(firstApi.post(path + "/start", "").status(), is(200));
        int rows = 30_000;
        server.execute(db, "INSERT INTO public.big SELECT g, repeat('x', 50) FROM generate_series(1, " + rows + ") g");
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        long stored = 0;
        while (stored == 0 && System.currentTimeMillis() < deadline) {
            stored = firstApi.get(path + "/status").json().getJsonNumber("events_processed").longValue();
        }
        first.close(); // a shutdown in the middle of the transaction: it stores what it has and stays wanted running
        server.execute(db, "DELETE FROM public.big WHERE id = 1");

        TestApp second = TestApp.startWithOwnDatabase(Map.of("db.url", first.database().url(), "db.username", first.database().user(),
                                                             "db.password", first.database().password()));
        try {
            ApiClient secondApi = second.client();
            List<JsonObject> events = PipelineEvents.await(secondApi, path, rows + 1, WAIT_MILLIS);
            assertThat("stored before the restart: " + stored, events.size(), is(rows + 1));
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).getInt("seq"), is(i + 1));
            }
            for (int i = 0; i < rows; i++) {
                assertThat(events.get(i).getJsonObject("after").getInt("id"), is(i + 1));
            }
            assertThat(events.getLast().getString("op"), is("delete"));
            assertThat(secondApi.get(path + "/status").json().getString("status"), is("running"));
            assertThat(secondApi.post(path + "/stop", "").status(), is(200));
        } finally {
            second.close();
        }
    }

    @Test
    void theInitialCopyAndTheStreamMeetExactlyWhileTheTableIsWrittenTo() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.accounts (id int PRIMARY KEY, owner text, balance numeric(12,2), active bool, tags text[]);
                INSERT INTO public.accounts SELECT g, 'owner ' || g, g, g % 2 = 0, NULL FROM generate_series(1, 30000) g;
                """);
        String path = pipeline("copy-and-stream", source(db, "copy-and-stream-source"), "[{\"table\":\"accounts\"}]", "{}");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            int next = 30001;
            while (writing.get()) {
                server.execute(db, "UPDATE public.accounts SET balance = balance + 1 WHERE id = " + (1 + next % 30000)
                                   + "; INSERT INTO public.accounts VALUES (" + next + ", 'new', 0, true, '{x}');"
                                   + " DELETE FROM public.accounts WHERE id = " + (next - 29990));
                next++;
            }
        });
        try {
            started(path);
            Thread.sleep(1500);
        } finally {
            writing.set(false);
            writer.join();
        }
        Map<Integer, JsonObject> expected = sourceRows(db, "public.accounts", ACCOUNT);
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Map<Integer, JsonObject> replayed;
        do {
            Thread.sleep(200);
            replayed = replay(PipelineEvents.all(api, path), "accounts");
        } while (!replayed.equals(expected) && System.currentTimeMillis() < deadline);
        assertThat(differences(expected, replayed), is(List.of()));
        assertThat(api.get(path + "/status").json().getJsonNumber("events_processed").longValue() > 30000, is(true));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aRowCopiedInTheSnapshotLooksExactlyLikeTheSameRowStreamed() {
        String db = server.createDatabase();
        String values = "true, -2, 40000, 9007199254740993, 1.5, 'NaN', 12.50, 123456789012345678901234567890.123, 'zoë \"q\" 表',"
                        + " '{\"a\": [1, 2]}', '\\x00ff', '{1,NULL,3}', '2026-11-26 10:00:00.123456+00', '1 day 02:03:04', '10.0.0.1',"
                        + " 'ab', 'happy', NULL, 1.5, 12.5";
        server.execute(db, """
                CREATE TYPE mood AS ENUM ('sad', 'happy');
                CREATE TABLE public.typed (id int PRIMARY KEY, b bool, s int2, i int4, l int8, f float8, nan float8, small numeric,
                    huge numeric, t text, j jsonb, by bytea, arr int[], ts timestamptz, iv interval, ip inet, c char(4), m mood,
                    nothing text, wide numeric(30,10), narrow numeric(10,2));
                INSERT INTO public.typed VALUES (1, %s);""".formatted(values));
        String path = pipeline("typed", source(db, "typed-source"), "[{\"table\":\"typed\"}]", "{}");
        started(path);
        server.execute(db, "INSERT INTO public.typed VALUES (2, " + values + ")");
        List<JsonObject> events = awaitEvents(path, 2);
        assertThat(ops(events), is(List.of("snapshot:typed", "insert:typed")));
        String copied = events.get(0).getJsonObject("after").toString().replace("\"id\":1,", "");
        String streamed = events.get(1).getJsonObject("after").toString().replace("\"id\":2,", "");
        assertThat(copied, is(streamed));
        assertThat(streamed, containsString("\"b\":true,"));
        assertThat(streamed, containsString("\"ip\":\"10.0.0.1\","));
        assertThat(streamed, containsString("\"c\":\"ab  \","));
        // One JSON type per column, by its declared type: numeric above 15 digits (or unconstrained) is always its text.
        assertThat(streamed, containsString("\"small\":\"12.50\","));
        assertThat(streamed, containsString("\"wide\":\"1.5000000000\",\"narrow\":12.50}"));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aSlotLostWhileStoppedIsReportedAsNeedingANewSnapshot() throws Exception {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.t (id int PRIMARY KEY)");
        String path = pipeline("lost-slot", source(db, "lost-slot-source"), "[{\"table\":\"t\"}]", "{\"snapshot\":\"never\"}");
        String slot = PipelineEvents.slotName(path);
        started(path);
        assertThat(api.post(path + "/stop", "").status(), is(200));
        server.execute(db, "SELECT pg_drop_replication_slot('" + slot + "')");
        assertThat(api.post(path + "/start", "").status(), is(200));
        JsonObject status = awaitStatus(path, "error");
        assertThat(status.getString("error_message"), containsString("replication slot " + slot + " is gone"));
        assertThat(status.getString("error_message"), containsString("a new copy is needed: stop the pipeline (POST " + path.replace(
                "/status", "") + "/stop), then POST " + path + "/resnapshot and start it again"));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aPageOfLargeEventsStopsAtItsBytesAndGoesOnFromTheRightPlace() throws Exception {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.wide (id int PRIMARY KEY, body text)");
        String path = pipeline("wide", source(db, "wide-source"), "[{\"table\":\"wide\"}]", "{\"snapshot\":\"never\"}");
        started(path);
        // One event of 5 MB, then four of 1.5 MB: a page stops once 4 MiB are reached, and a larger event comes alone.
        server.execute(db, "INSERT INTO public.wide VALUES (1, repeat('e', 5 * 1048576))");
        server.execute(db, "INSERT INTO public.wide SELECT g, repeat(md5(g::text), 49152) FROM generate_series(2, 5) g");
        PipelineEvents.await(api, path, 5, WAIT_MILLIS);
        List<Integer> pages = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonObject page = api.get(path + "/events?limit=100&after=" + after).json();
            int size = page.getJsonArray("events").size();
            if (size == 0) {
                break;
            }
            pages.add(size);
            long last = page.getJsonArray("events").getJsonObject(size - 1).getJsonNumber("seq").longValue();
            assertThat(page.getJsonNumber("next_after").longValue(), is(last));
            after = last;
        }
        assertThat(pages, is(List.of(1, 3, 1)));
        assertThat(after, is(5L));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void twoConcurrentStartsGiveOneOkAndOneConflict() throws Exception {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.t (id int PRIMARY KEY)");
        String path = pipeline("raced", source(db, "raced-source"), "[{\"table\":\"t\"}]", "{\"snapshot\":\"never\"}");
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Callable<Integer> start = () -> api.post(path + "/start", "").status();
            List<Future<Integer>> answers = List.of(clients.submit(start), clients.submit(start));
            for (Future<Integer> a : answers) {
                statuses.add(a.get());
            }
        }
        assertThat(statuses.stream().sorted().toList(), is(List.of(200, 409)));
        awaitStatus(path, "running");
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void startRefusesWhenTheSourceOrATableIsNotReadyAndSaysWhich() {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.keyless (a int); CREATE TABLE public.fine (id int PRIMARY KEY)");
        String source = source(db, "refusing-source");
        String path = pipeline("refused", source, "[{\"table\":\"fine\"},{\"table\":\"keyless\"},{\"table\":\"absent\"}]", "{}");
        ApiClient.Response r = api.post(path + "/start", "");
        assertThat(r.status(), is(409));
        List<String> fields = r.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList();
        assertThat(fields, is(List.of("tables.\"public\".\"absent\"", "tables.\"public\".\"keyless\"")));
        assertThat(api.get(path + "/status").json().getString("status"), is("stopped"));

        String replicaDb = SourceServers.replicaOnly().createDatabase();
        SourceServers.replicaOnly().execute(replicaDb, "CREATE TABLE public.fine (id int PRIMARY KEY)");
        ApiClient.Response created = api.post("/api/v1/sources", SourceJson.on(SourceServers.replicaOnly(), replicaDb, "postgres", "")
                .add("name", "replica-only").build().toString());
        String replicaPath = pipeline("not-logical", created.json().getJsonObject("source").getString("id"), "[{\"table\":\"fine\"}]", "{}");
        ApiClient.Response refused = api.post(replicaPath + "/start", "");
        assertThat(refused.status(), is(409));
        assertThat(refused.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList(), hasItem("wal_level"));
        assertThat(refused.json().getString("detail"), containsString("wal_level"));

        String empty = pipeline("no-tables", source, "[{\"table\":\"fine\",\"enabled\":false}]", "{}");
        assertThat(api.post(empty + "/start", "").json().getString("detail"), containsString("no enabled tables"));
    }

    @Test
    void snapshotNeverStartsWithTheChangesAfterTheStart() {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.t (id int PRIMARY KEY); INSERT INTO public.t VALUES (1), (2)");
        String path = pipeline("no-snapshot", source(db, "no-snapshot-source"), "[{\"table\":\"t\"}]", "{\"snapshot\":\"never\"}");
        started(path);
        server.execute(db, "INSERT INTO public.t VALUES (3)");
        List<JsonObject> events = awaitEvents(path, 1);
        assertThat(ops(events), is(List.of("insert:t")));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void deletingAStoppedPipelineDropsTheSlotAndPublicationItCreated() throws SQLException {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.t (id int PRIMARY KEY)");
        String path = pipeline("deleted", source(db, "deleted-source"), "[{\"table\":\"t\"}]", "{\"snapshot\":\"never\"}");
        String slot = PipelineEvents.slotName(path);
        started(path);
        assertThat(api.delete(path).status(), is(409));
        assertThat(api.post(path + "/stop", "").status(), is(200));
        assertThat(count(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"), is(1L));
        assertThat(count(db, "SELECT count(*) FROM pg_publication WHERE pubname = '" + slot + "'"), is(1L));
        // A delete that is refused touches nothing on the source: a stale If-Match is 412 with the slot still there.
        ApiClient.Response stale = api.delete(path, "If-Match", "\"1\"");
        assertThat(stale.toString(), stale.status(), is(412));
        assertThat(count(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"), is(1L));
        assertThat(count(db, "SELECT count(*) FROM pg_publication WHERE pubname = '" + slot + "'"), is(1L));
        assertThat(api.delete(path, "If-Match", api.get(path).header("ETag").orElseThrow()).status(), is(204));
        assertThat(count(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"), is(0L));
        assertThat(count(db, "SELECT count(*) FROM pg_publication WHERE pubname = '" + slot + "'"), is(0L));
    }

    @Test
    void eventsAndStatusOfUnknownPipelinesAndBadParameters() {
        String none = "/api/v1/pipelines/00000000-0000-0000-0000-000000000000";
        assertThat(api.get(none + "/events").status(), is(404));
        assertThat(api.get(none + "/status").status(), is(404));
        assertThat(api.post(none + "/start", "").status(), is(404));
        assertThat(api.post(none + "/stop", "").status(), is(404));
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.t (id int PRIMARY KEY)");
        String path = pipeline("params", source(db, "params-source"), "[{\"table\":\"t\"}]", "{}");
        assertThat(api.get(path + "/events?limit=0").problemSlug(), is("validation-error"));
        assertThat(api.get(path + "/events?limit=1001").problemSlug(), is("validation-error"));
        assertThat(api.get(path + "/events?after=-1").problemSlug(), is("validation-error"));
        assertThat(api.get(path + "/events?after=x").problemSlug(), is("validation-error"));
        JsonObject empty = api.get(path + "/events?after=5").json();
        assertThat(empty.getJsonArray("events").size(), is(0));
        assertThat(empty.getInt("next_after"), is(5));
        JsonObject status = api.get(path + "/status").json();
        assertThat(status.getInt("events_processed"), is(0));
        assertThat(status.getString("status"), is("stopped"));
        assertThat(api.send("DELETE", path + "/start", null).header("Allow").orElseThrow(), is("POST"));
    }

    private static long count(String db, String sql) throws SQLException {
        try (Connection c = server.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
