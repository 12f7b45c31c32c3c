package io.philotes.cdc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * A random workload on five tables - inserts, updates that change primary keys, deletes, truncate, NULLs,
 * unicode, numeric, json, bytea, arrays, timestamps with zones, unchanged TOAST values, one large transaction -
 * captured by a pipeline that is stopped in the middle of its initial copy (rows of the cut copy are deleted
 * before it goes on), gains a table while the workload runs, copies another one again meanwhile, and is taken over
 * by a second instance half-way through the workload; replaying its events rebuilds every table row for row. The
 * truth it is compared with is a second pipeline's copy of the tables afterwards (whose typing equals the stream's,
 * see CdcApiTest).
 */
class WorkloadReplayTest {
    private static final long WAIT_MILLIS = 60_000;
    private static final Map<String, List<String>> KEYS = Map.of("alpha", List.of("id"), "beta", List.of("k1", "k2"), "gamma", List.of(),
                                                                 "delta", List.of("id"), "epsilon", List.of("id"));
    private static final int DELTA_ROWS = 40_000;

    @Test
    void replayingTheStoredEventsRebuildsTheTables() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.alpha (id int PRIMARY KEY, n numeric(20,6), j jsonb, b bytea, arr int[], ts timestamptz, txt text);
                CREATE TABLE public.beta (k1 text, k2 int, val float8, flag bool, PRIMARY KEY (k1, k2));
                CREATE TABLE public.gamma (a int, b text);
                ALTER TABLE public.gamma REPLICA IDENTITY FULL;
                INSERT INTO public.alpha SELECT g, g * 1.5, jsonb_build_object('g', g), '\\x0102', ARRAY[g, g + 1], now(), 'seed ' || g
                FROM generate_series(1, 50) g;
                INSERT INTO public.beta SELECT 'k' || g, g, g / 3.0, g % 2 = 0 FROM generate_series(1, 30) g;
                INSERT INTO public.gamma SELECT g % 7, 'dup' FROM generate_series(1, 20) g;
                CREATE TABLE public.delta (id int PRIMARY KEY, v text);
                INSERT INTO public.delta SELECT g, repeat(md5(g::text), 64) FROM generate_series(1, DELTA_ROWS) g;
                CREATE TABLE public.epsilon (id int PRIMARY KEY, v text, n int);
                INSERT INTO public.epsilon SELECT g, 'e' || g, g FROM generate_series(1, 3000) g;
                """.replace("DELTA_ROWS", String.valueOf(DELTA_ROWS)));
        TestApp first = TestApp.start(Map.of());
        TestApp second = TestApp.startWithOwnDatabase(Map.of("db.url", first.database().url(), "db.username", first.database().user(),
                                                             "db.password", first.database().password(),
                                                             "pipelines.supervise.interval", "500ms"));
        try {
            ApiClient api = first.client();
            String source = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "workload").build().toString())
                    .json().getJsonObject("source").getString("id");
            // gamma has no key: its copy is taken whole, in one transaction, as its mapping allows.
            String tables = "[{\"table\":\"alpha\"},{\"table\":\"beta\"},{\"table\":\"delta\"},"
                            + "{\"table\":\"gamma\",\"config\":{\"allow_full_copy\":true}}]";
            String captured = pipeline(api, "workload", source, tables);

            // Stopped while it copies delta (alpha and beta are stored, and at least one chunk of delta: so that delta's events
            // come from two copies, whenever the copy asked for again below starts); rows it copied are then deleted. The
            // start waits up to 3 s for running, longer than this copy takes: it is asked for on the side.
            AtomicInteger started = new AtomicInteger();
            Thread starting = Thread.ofVirtual().start(() -> started.set(api.post(captured + "/start", "").status()));
            PipelineEvents.awaitStatus(api, captured, s -> deltaCopy(s).getJsonNumber("rows_copied").longValue() > 0, "a chunk of delta stored",
                                       WAIT_MILLIS);
            PipelineEvents.stop(api, captured, WAIT_MILLIS);
            starting.join();
            assertThat(started.get(), is(200));
            long cut = api.get(captured + "/status").json().getJsonNumber("last_seq").longValue();
            assertThat("the copy was cut short at " + cut, cut < 80 + DELTA_ROWS, is(true));
            server.execute(db, "DELETE FROM public.delta WHERE id % 3 = 0; DELETE FROM public.alpha WHERE id <= 10");
            assertThat(api.post(captured + "/start", "").status(), is(200));
            PipelineEvents.awaitStatus(api, captured, "running", WAIT_MILLIS);

            // While the workload runs: a table is added, and delta is copied again.
            Random random = new Random(7);
            Thread working = Thread.ofVirtual().start(() -> {
                try {
                    workload(server, db, random, 100, false);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(50);
            ApiClient.Response added = api.post(captured + "/tables", "{\"table\":\"epsilon\"}");
            assertThat(added.toString(), added.status(), is(201));
            String delta = api.get(captured + "/tables").json().getJsonArray("tables").stream().map(JsonValue::asJsonObject)
                    .filter(t -> t.getString("source_table").equals("delta")).findFirst().orElseThrow().getString("id");
            Thread.sleep(50);
            Instant resnapshotAsked = Instant.now();
            ApiClient.Response again = api.post(captured + "/tables/" + delta + "/resnapshot", "");
            assertThat(again.toString(), again.status(), is(202));
            working.join();
            first.close(); // the second instance takes the pipeline over, mid-workload (and mid-copy, likely)
            workload(server, db, random, 100, true);

            ApiClient other = second.client();
            PipelineEvents.awaitStatus(other, captured,
                                       s -> s.getString("status").equals("running") && s.getJsonNumber("owner_epoch").longValue() >= 3,
                                       "running, taken over by the second instance (epoch 3 or more)", WAIT_MILLIS);
            PipelineEvents.awaitCopied(other, captured, WAIT_MILLIS);
            String copy = pipeline(other, "truth", source, tables.replace("]", ",{\"table\":\"epsilon\"}]"));
            assertThat(other.post(copy + "/start", "").status(), is(200));
            PipelineEvents.awaitStatus(other, copy, "running", WAIT_MILLIS);
            PipelineEvents.awaitCopied(other, copy, WAIT_MILLIS);
            Map<String, Map<String, Integer>> truth = replay(PipelineEvents.all(other, copy));
            Map<String, Map<String, Integer>> replayed;
            List<JsonObject> events;
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            do {
                Thread.sleep(200);
                events = PipelineEvents.all(other, captured);
                replayed = replay(events);
            } while (!replayed.equals(truth) && System.currentTimeMillis() < deadline);
            for (String table : KEYS.keySet()) {
                assertThat(table, replayed.get(table), is(truth.get(table)));
            }
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).getJsonNumber("seq").longValue(), is(i + 1L));
            }
            Map<String, Long> copied = new TreeMap<>();
            events.stream().filter(e -> "snapshot".equals(e.getString("op"))).forEach(e -> copied.merge(e.getString("table"), 1L, Long::sum));
            JsonObject deltaCopy = deltaCopy(other.get(captured + "/status").json());
            assertThat("the copy asked for again is the one done: " + deltaCopy,
                       Instant.parse(deltaCopy.getString("started_at")).isBefore(resnapshotAsked), is(false));
            long deltaRows = truth.get("delta").values().stream().mapToLong(Integer::longValue).sum();
            assertThat("delta was copied twice: " + copied, copied.get("delta") > deltaRows, is(true));
            assertThat("epsilon was copied when it was added: " + copied, copied.get("epsilon") > 2900, is(true));
            assertThat(truth.get("alpha").size() > 5000, is(true));
            assertThat(truth.get("delta").size(), is(count(server, db, "delta")));
            assertThat(truth.get("epsilon").size(), is(count(server, db, "epsilon")));
            assertThat(other.post(captured + "/stop", "").status(), is(200));
            assertThat(other.post(copy + "/stop", "").status(), is(200));
        } finally {
            second.close();
            first.close();
            server.dropPipelineSlots();
        }
    }

    /* Delta's copy, as a pipeline's status report shows it. */
    private static JsonObject deltaCopy(JsonObject status) {
        return status.getJsonArray("tables").stream().map(JsonValue::asJsonObject)
                .filter(t -> t.getString("table").equals("delta")).findFirst().orElseThrow().getJsonObject("snapshot");
    }

    private static int count(SourceServers.Server server, String db, String table) throws SQLException {
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM public." + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String pipeline(ApiClient api, String name, String source, String tables) {
        return "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"" + name + "\",\"source_id\":\"" + source
                + "\",\"tables\":" + tables + "}").json().getJsonObject("pipeline").getString("id");
    }

    /* Random transactions of one to five statements, then (when asked) one large transaction. */
    private static void workload(SourceServers.Server server, String db, Random random, int transactions, boolean large) throws SQLException {
        String[] words = {"plain", "zoë", "表格", "emoji 🚀", "quote \" and \\ backslash", "tab\there", ""};
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            int nextId = large ? 50_000 : 1000;
            for (int t = 0; t < transactions; t++) {
                st.execute("BEGIN");
                for (int s = 0, n = 1 + random.nextInt(5); s < n; s++) {
                    int id = 1 + random.nextInt(60);
                    String word = words[random.nextInt(words.length)].replace("'", "''");
                    switch (random.nextInt(14)) {
                        case 0, 1 -> st.execute("INSERT INTO public.alpha VALUES (" + (nextId++) + ", " + random.nextInt(1_000_000)
                                + ".123456, '{\"w\": \"" + word.replace("\\", "\\\\").replace("\"", "\\\"").replace("\t", "\\t") + "\"}', '\\x"
                                + String.format("%06x", random.nextInt(1 << 20)) + "', ARRAY[" + random.nextInt(9) + ", NULL], '2026-01-0"
                                + (1 + random.nextInt(9)) + " 10:00:00+05:30', "
                                + (random.nextBoolean() ? "NULL" : "'" + word + "'") + ")");
                        case 2 -> st.execute("UPDATE public.alpha SET n = NULL, txt = '" + word + "' WHERE id = " + id);
                        case 3 -> st.execute("UPDATE public.alpha SET id = " + (nextId++) + " WHERE id = " + id);
                        case 4 -> st.execute("DELETE FROM public.alpha WHERE id = " + id);
                        case 5 -> st.execute("UPDATE public.beta SET k2 = k2 + 100, val = 'NaN' WHERE k1 = 'k" + (1 + random.nextInt(30)) + "'");
                        case 6 -> st.execute("INSERT INTO public.beta VALUES ('" + word + (nextId++) + "', " + id + ", " + random.nextDouble()
                                             + ", NULL)");
                        case 7 -> st.execute("UPDATE public.gamma SET b = '" + word + "' WHERE ctid = (SELECT ctid FROM public.gamma WHERE a = "
                                             + random.nextInt(7) + " LIMIT 1)");
                        case 8 -> st.execute(random.nextInt(10) == 0 ? "TRUNCATE public.gamma"
                                : "INSERT INTO public.gamma VALUES (" + random.nextInt(7) + ", "
                                  + (random.nextBoolean() ? "NULL" : "'" + word + "'") + ")");
                        case 10 -> st.execute("UPDATE public.delta SET v = '" + word + "' WHERE id = " + (1 + random.nextInt(DELTA_ROWS)));
                        case 11 -> st.execute("DELETE FROM public.delta WHERE id = " + (1 + random.nextInt(DELTA_ROWS)));
                        case 12 -> st.execute("INSERT INTO public.epsilon VALUES (" + (3000 + nextId++) + ", '" + word + "', NULL)"
                                              + " ON CONFLICT (id) DO UPDATE SET n = epsilon.n + 1; UPDATE public.epsilon SET id = id + 100000"
                                              + " WHERE id = " + (1 + random.nextInt(3000)));
                        case 13 -> st.execute("DELETE FROM public.epsilon WHERE id = " + (1 + random.nextInt(3000)));
                        default -> st.execute("DELETE FROM public.gamma WHERE ctid = (SELECT ctid FROM public.gamma WHERE a = " + random.nextInt(7)
                                              + " LIMIT 1)");
                    }
                }
                st.execute("COMMIT");
            }
            if (!large) {
                return;
            }
            st.execute("BEGIN");
            // Texts of 3,200 distinct hex digits: too large and too random to stay in the row, so they are TOASTed.
            st.execute("INSERT INTO public.alpha SELECT g, g, NULL, NULL, NULL, now(),"
                       + " (SELECT string_agg(md5(g::text || '-' || i), '') FROM generate_series(1, 100) i) FROM generate_series(100000, 106000) g");
            // An update that leaves the large (TOASTed) text alone: the stream leaves it out, the replay keeps it.
            st.execute("UPDATE public.alpha SET n = n + 1 WHERE id BETWEEN 100000 AND 100100");
            st.execute("COMMIT");
        }
    }

    /*
     * The tables as a consumer rebuilds them from events: rows by key (tables with a primary key), or a
     * multiset of whole rows (replica identity full without a key).
     */
    private static Map<String, Map<String, Integer>> replay(List<JsonObject> events) {
        Map<String, Map<String, JsonObject>> keyed = new HashMap<>();
        Map<String, Map<String, Integer>> result = new TreeMap<>();
        for (String table : KEYS.keySet()) {
            keyed.put(table, new HashMap<>());
            result.put(table, new TreeMap<>());
        }
        for (JsonObject e : events) {
            String table = e.getString("table");
            List<String> key = KEYS.get(table);
            Map<String, JsonObject> rows = keyed.get(table);
            JsonObject after = e.containsKey("after") ? e.getJsonObject("after") : null;
            switch (e.getString("op")) {
                case "snapshot", "insert" -> put(rows, key, after);
                case "update" -> {
                    JsonObject old = e.containsKey("before") ? e.getJsonObject("before") : e.getJsonObject("key");
                    JsonObject previous = remove(rows, key, old);
                    Map<String, JsonValue> merged = new HashMap<>(previous == null ? Map.of() : previous);
                    merged.putAll(after);
                    put(rows, key, Json.createObjectBuilder(merged).build());
                }
                case "delete" -> remove(rows, key, e.containsKey("before") ? e.getJsonObject("before") : e.getJsonObject("key"));
                case "truncate" -> rows.clear();
                default -> throw new AssertionError(e);
            }
        }
        keyed.forEach((table, rows) -> rows.values().forEach(row -> result.get(table).merge(canonical(row), 1, Integer::sum)));
        return result;
    }

    /* Rows without a key are told apart by a counter, so that equal rows are kept as many times as they occur. */
    private static void put(Map<String, JsonObject> rows, List<String> key, JsonObject row) {
        String id = id(key, row);
        if (key.isEmpty()) {
            int copy = 0;
            while (rows.containsKey(id + "#" + copy)) {
                copy++;
            }
            id = id + "#" + copy;
        }
        rows.put(id, row);
    }

    /* Removes the row (a keyless table: one copy of an equal row) and returns it. */
    private static JsonObject remove(Map<String, JsonObject> rows, List<String> key, JsonObject old) {
        if (!key.isEmpty()) {
            return rows.remove(id(key, old));
        }
        String prefix = canonical(old) + "#";
        return rows.keySet().stream().filter(k -> k.startsWith(prefix)).findFirst().map(rows::remove).orElse(null);
    }

    private static String id(List<String> key, JsonObject row) {
        if (key.isEmpty()) {
            return canonical(row);
        }
        List<String> parts = new ArrayList<>();
        key.forEach(k -> parts.add(String.valueOf(row.get(k))));
        return String.join("|", parts);
    }

    private static String canonical(JsonObject row) {
        return new TreeMap<>(row).toString();
    }
}
