package io.philotes.pipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** Pipelines and their table mappings through the HTTP API, on a real metadata database and a real source. */
@PhilotesTest(config = {"pipelines.supervise.interval=1h"})
class PipelineApiTest {
    private static final String ODD_TABLE = "we\"ird.näme";
    /* 31 two-byte letters and one more byte: 63 bytes, PostgreSQL's limit. */
    private static final String LONGEST_TABLE = "é".repeat(31) + "x";
    private static TestApp app;
    private static ApiClient api;
    private static String sourceId;
    private static String otherSourceId;

    @BeforeAll
    static void start(TestApp started) {
        // States are set by hand here; the supervisor, which would act on them, looks only at start-up.
        app = started;
        api = started.client();
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.users (id int PRIMARY KEY, name text);
                CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
                CREATE TABLE public.no_key (a int);
                CREATE VIEW public.a_view AS SELECT 1 AS one;
                CREATE SCHEMA "Odd.Schema";
                CREATE TABLE "Odd.Schema"."we""ird.näme" (id int PRIMARY KEY);
                CREATE TABLE public."%s" (id int PRIMARY KEY);
                """.formatted(LONGEST_TABLE));
        sourceId = createSource(SourceJson.on(server, db, "postgres", "").add("name", "pipeline-source").build());
        otherSourceId = createSource(SourceJson.on(server, db, "postgres", "").add("name", "other-source").build());
    }

    private static String createSource(JsonObject body) {
        ApiClient.Response r = api.post("/api/v1/sources", body.toString());
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("source").getString("id");
    }

    private static JsonObject create(String name, String tables) {
        return create(name, sourceId, tables);
    }

    private static JsonObject create(String name, String source, String tables) {
        ApiClient.Response r = api.post("/api/v1/pipelines", """
                {"name":"%s","source_id":"%s","tables":%s}""".formatted(name, source, tables));
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("pipeline");
    }

    private static String path(JsonObject pipeline) {
        return "/api/v1/pipelines/" + pipeline.getString("id");
    }

    private static JsonObject get(JsonObject pipeline) {
        ApiClient.Response r = api.get(path(pipeline));
        assertThat(r.toString(), r.status(), is(200));
        return r.json().getJsonObject("pipeline");
    }

    private static List<String> tableNames(JsonObject pipeline) {
        return pipeline.getJsonArray("tables").stream()
                .map(v -> v.asJsonObject().getString("source_schema") + "." + v.asJsonObject().getString("source_table")).toList();
    }

    private static List<String> fields(ApiClient.Response r) {
        return r.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList();
    }

    private static long count(String sql) {
        try (Connection c = app.database().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sql(String sql) {
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /* Everything stored about pipelines, to prove that a rejected request changed nothing. */
    private static long storedState() {
        return count("SELECT count(*) * 1000003 + coalesce(sum(version), 0) FROM philotes.pipelines")
               + 7 * count("SELECT count(*) * 1009 + coalesce(sum(CASE WHEN enabled THEN 1 ELSE 2 END), 0) FROM philotes.table_mappings");
    }

    @Test
    void theSeedPlansExampleCreatesThePipelineWithItsTable() {
        ApiClient.Response r = api.post("/api/v1/pipelines",
                "{\"name\":\"test-pipeline\",\"source_id\":\"" + sourceId + "\",\"tables\":[{\"schema\":\"public\",\"table\":\"users\"}]}");
        assertThat(r.toString(), r.status(), is(201));
        JsonObject p = r.json().getJsonObject("pipeline");
        assertThat(r.header("Location").orElseThrow(), is(path(p)));
        assertThat(r.header("ETag").orElseThrow(), is("\"1\""));
        assertThat(p.getString("name"), is("test-pipeline"));
        assertThat(p.getString("source_id"), is(sourceId));
        assertThat(p.getString("status"), is("stopped"));
        assertThat(p.getJsonObject("config"), is(JsonValue.EMPTY_JSON_OBJECT));
        assertThat(p.getInt("version"), is(1));
        assertThat(p.containsKey("warnings"), is(false));
        JsonObject mapping = p.getJsonArray("tables").getJsonObject(0);
        assertThat(mapping.getString("pipeline_id"), is(p.getString("id")));
        assertThat(mapping.getString("source_schema"), is("public"));
        assertThat(mapping.getString("source_table"), is("users"));
        assertThat(mapping.getBoolean("enabled"), is(true));
        assertThat(get(p), is(p));
        assertThat(count("SELECT count(*) FROM philotes.table_mappings WHERE pipeline_id = '" + p.getString("id") + "'"), is(1L));
    }

    @Test
    void tablesTakeTheirDefaultsAndComeSortedBySchemaThenTable() {
        JsonObject p = create("sorted", """
                [{"table":"users","enabled":false},{"schema":"Odd.Schema","table":"%s"},{"table":"orders","config":{}}]"""
                .formatted(ODD_TABLE.replace("\"", "\\\"")));
        assertThat(tableNames(p), is(List.of("Odd.Schema." + ODD_TABLE, "public.orders", "public.users")));
        assertThat(p.getJsonArray("tables").getJsonObject(2).getBoolean("enabled"), is(false));
        assertThat(p.getJsonArray("tables").getJsonObject(1).containsKey("config"), is(false));
        assertThat(tableNames(get(p)), is(tableNames(p)));
        assertThat(p.containsKey("warnings"), is(false));
    }

    @Test
    void namesWithQuotesDotsUnicodeAndSixtyThreeBytesRoundTrip() {
        JsonObject p = create("odd-names", """
                [{"schema":"Odd.Schema","table":"%s"},{"table":"%s"}]""".formatted(ODD_TABLE.replace("\"", "\\\""), LONGEST_TABLE));
        assertThat(tableNames(get(p)), is(List.of("Odd.Schema." + ODD_TABLE, "public." + LONGEST_TABLE)));
        assertThat(p.containsKey("warnings"), is(false));
        ApiClient.Response tooLong = api.post("/api/v1/pipelines", """
                {"name":"too-long","source_id":"%s","tables":[{"table":"%s"}]}""".formatted(sourceId, LONGEST_TABLE + "x"));
        assertThat(tooLong.problemSlug(), is("validation-error"));
        assertThat(fields(tooLong), is(List.of("tables[0].table")));
    }

    @Test
    void warningsNameMissingTablesAndTablesThatCannotBeCapturedButDoNotBlock() {
        JsonObject p = create("warned", """
                [{"table":"users"},{"table":"no_key"},{"table":"missing_one"},{"table":"a_view"},{"table":"gone","enabled":false}]""");
        List<String> codes = p.getJsonArray("warnings").stream()
                .map(v -> v.asJsonObject().getString("code") + ":" + v.asJsonObject().getString("table")).toList();
        // In the order of the tables; a view is not a table, and a disabled mapping is not checked.
        assertThat(codes, is(List.of("table_missing:a_view", "table_missing:missing_one", "table_not_cdc_ready:no_key")));
        assertThat(p.getJsonArray("warnings").getJsonObject(2).getString("message"), containsString("REPLICA IDENTITY FULL"));
        assertThat(p.getJsonArray("tables").size(), is(5));
        assertThat(get(p).containsKey("warnings"), is(false));
    }

    @Test
    void aSourceThatCannotBeAskedGivesOneWarningSayingWhy() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String unreachable = createSource(Json.createObjectBuilder(SourceJson.named("unreachable", closedPort)).add("host", "127.0.0.1")
                                                  .build());
        JsonObject p = create("unchecked", unreachable, "[{\"table\":\"users\"}]");
        assertThat(p.getJsonArray("warnings").size(), is(1));
        JsonObject w = p.getJsonArray("warnings").getJsonObject(0);
        assertThat(w.getString("code"), is("source_unchecked"));
        assertThat(w.getString("message"), containsString("refused"));
        assertThat(w.getString("message"), not(containsString("pw")));
    }

    @Test
    void listIsNewestFirstWithoutTablesWithFiltersAndPages() {
        String source = createSource(Json.createObjectBuilder(SourceJson.named("list-source", 5432)).build());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(create("listed-" + i, source, "[]").getString("id"));
        }
        JsonObject page = api.get("/api/v1/pipelines?source_id=" + source).json();
        assertThat(page.getJsonNumber("total_count").longValue(), is(3L));
        assertThat(page.getJsonArray("pipelines").stream().map(v -> v.asJsonObject().getString("id")).toList(), is(ids.reversed()));
        assertThat(page.getJsonArray("pipelines").getJsonObject(0).containsKey("tables"), is(false));
        assertThat(page.containsKey("next_cursor"), is(false));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonObject p = api.get("/api/v1/pipelines?limit=2&source_id=" + source + (cursor == null ? "" : "&cursor=" + cursor)).json();
            p.getJsonArray("pipelines").forEach(v -> seen.add(v.asJsonObject().getString("id")));
            cursor = p.containsKey("next_cursor") ? p.getString("next_cursor") : null;
        } while (cursor != null);
        assertThat(seen, is(ids.reversed()));

        sql("UPDATE philotes.pipelines SET status = 'error' WHERE id = '" + ids.get(1) + "'");
        JsonObject errors = api.get("/api/v1/pipelines?status=error&source_id=" + source).json();
        assertThat(errors.getJsonArray("pipelines").size(), is(1));
        assertThat(errors.getJsonArray("pipelines").getJsonObject(0).getString("id"), is(ids.get(1)));
        assertThat(api.get("/api/v1/pipelines?status=paused").problemSlug(), is("validation-error"));
        ApiClient.Response badSource = api.get("/api/v1/pipelines?source_id=nope");
        assertThat(badSource.problemSlug(), is("validation-error"));
        assertThat(fields(badSource), is(List.of("source_id")));
        assertThat(api.get("/api/v1/pipelines?limit=501").problemSlug(), is("validation-error"));
        assertThat(api.get("/api/v1/pipelines?cursor=garbage!").problemSlug(), is("bad-request"));
    }

    @Test
    void updateReplacesConfigWholeAndTheTableSetKeepingMappingsThatStay() {
        JsonObject p = create("to-update", "[{\"table\":\"users\"},{\"table\":\"orders\"}]");
        String path = path(p);
        assertThat(api.put(path, "{\"config\":{\"snapshot\":\"never\"}}").json().getJsonObject("pipeline").getJsonObject("config"),
                   is(Json.createObjectBuilder().add("snapshot", "never").build()));
        ApiClient.Response cleared = api.put(path, "{\"config\":{}}");
        assertThat(cleared.header("ETag").orElseThrow(), is("\"3\""));
        assertThat(cleared.json().getJsonObject("pipeline").getJsonObject("config"), is(JsonValue.EMPTY_JSON_OBJECT));
        assertThat(tableNames(cleared.json().getJsonObject("pipeline")), is(tableNames(p)));

        JsonObject users = p.getJsonArray("tables").getJsonObject(1);
        ApiClient.Response replaced = api.put(path, "{\"tables\":[{\"table\":\"users\",\"enabled\":false},{\"table\":\"no_key\"}]}");
        assertThat(replaced.status(), is(200));
        JsonObject r = replaced.json().getJsonObject("pipeline");
        assertThat(tableNames(r), is(List.of("public.no_key", "public.users")));
        JsonObject usersAfter = r.getJsonArray("tables").getJsonObject(1);
        assertThat(usersAfter.getString("id"), is(users.getString("id")));
        assertThat(usersAfter.getString("created_at"), is(users.getString("created_at")));
        assertThat(usersAfter.getBoolean("enabled"), is(false));
        assertThat(r.getInt("version"), is(4));
        assertThat(r.getJsonArray("warnings").getJsonObject(0).getString("table"), is("no_key"));

        JsonObject renamed = api.put(path, "{\"name\":\"updated\",\"source_id\":\"" + sourceId + "\"}").json().getJsonObject("pipeline");
        assertThat(renamed.getString("name"), is("updated"));
        assertThat(tableNames(renamed), is(tableNames(r)));
        assertThat(renamed.containsKey("warnings"), is(false));

        ApiClient.Response move = api.put(path, "{\"source_id\":\"" + otherSourceId + "\"}");
        assertThat(move.problemSlug(), is("validation-error"));
        assertThat(fields(move), is(List.of("source_id")));
        assertThat(api.put(path, "{\"tables\":[]}").json().getJsonObject("pipeline").getJsonArray("tables").size(), is(0));
    }

    @Test
    void aStaleIfMatchIsPreconditionFailedAndChangesNothing() {
        JsonObject p = create("etag-check", "[{\"table\":\"users\"}]");
        String path = path(p);
        assertThat(api.put(path, "{\"name\":\"etag-check-2\"}", "If-Match", "\"1\"").status(), is(200));
        long before = storedState();
        ApiClient.Response stale = api.put(path, "{\"name\":\"etag-check-3\",\"tables\":[]}", "If-Match", "\"1\"");
        assertThat(stale.status(), is(412));
        assertThat(stale.problemSlug(), is("precondition-failed"));
        assertThat(api.delete(path, "If-Match", "\"1\"").status(), is(412));
        assertThat(storedState(), is(before));
        JsonObject now = get(p);
        assertThat(now.getString("name"), is("etag-check-2"));
        assertThat(tableNames(now), is(List.of("public.users")));
        assertThat(api.put(path, "{\"name\":\"x\"}", "If-Match", "nonsense").problemSlug(), is("bad-request"));

        assertThat(api.delete(path, "If-Match", "\"2\"").status(), is(204));
        assertThat(api.get(path).status(), is(404));
        assertThat(count("SELECT count(*) FROM philotes.table_mappings WHERE pipeline_id = '" + p.getString("id") + "'"), is(0L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"starting", "running", "stopping", "error"})
    void aPipelineTheEngineHoldsCannotBeChangedOrDeletedButMayGainATable(String status) {
        JsonObject p = create("held-" + status, "[{\"table\":\"users\"}]");
        String path = path(p);
        String mapping = path + "/tables/" + p.getJsonArray("tables").getJsonObject(0).getString("id");
        sql("UPDATE philotes.pipelines SET status = '" + status + "' WHERE id = '" + p.getString("id") + "'");
        long before = storedState();
        List<ApiClient.Response> refused = List.of(
                api.put(path, "{\"name\":\"renamed-" + status + "\"}"),
                api.delete(path),
                api.patch(mapping, "{\"enabled\":false}"),
                api.delete(mapping));
        for (ApiClient.Response r : refused) {
            assertThat(r.toString(), r.status(), is(409));
            assertThat(r.json().getString("detail"), containsString(status));
            assertThat(r.json().getString("detail"), containsString("stop it first"));
        }
        assertThat(storedState(), is(before));
        // A table may be added while the engine holds the pipeline (its runner copies it beside the stream), not while it stops.
        ApiClient.Response added = api.post(path + "/tables", "{\"table\":\"orders\"}");
        assertThat(added.toString(), added.status(), is("stopping".equals(status) ? 409 : 201));
        // Its config may change meanwhile too, but not whether it is enabled.
        assertThat(api.patch(mapping, "{\"config\":{\"allow_full_copy\":true}}").status(), is(200));

        sql("UPDATE philotes.pipelines SET status = 'stopped', error_message = 'source down' WHERE id = '" + p.getString("id") + "'");
        JsonObject fixed = api.put(path, "{\"name\":\"fixed-" + status + "\"}").json().getJsonObject("pipeline");
        assertThat(fixed.getString("name"), is("fixed-" + status));
        assertThat(fixed.getString("error_message"), is("source down"));
    }

    @Test
    void aSourceWithPipelinesCannotBeDeleted() {
        String source = createSource(Json.createObjectBuilder(SourceJson.named("used-source", 5432)).build());
        JsonObject p = create("uses-source", source, "[]");
        ApiClient.Response refused = api.delete("/api/v1/sources/" + source);
        assertThat(refused.status(), is(409));
        assertThat(refused.json().getString("detail"), containsString("uses-source"));
        assertThat(api.delete(path(p)).status(), is(204));
        assertThat(api.delete("/api/v1/sources/" + source).status(), is(204));
    }

    @Test
    void mappingsCanBeListedAddedChangedAndRemoved() {
        JsonObject p = create("mappings", "[{\"table\":\"users\"}]");
        String tables = path(p) + "/tables";
        JsonObject list = api.get(tables).json();
        assertThat(list.getJsonNumber("total_count").longValue(), is(1L));
        assertThat(list.getJsonArray("tables").getJsonObject(0), is(p.getJsonArray("tables").getJsonObject(0)));

        ApiClient.Response added = api.post(tables, "{\"table\":\"orders\",\"enabled\":false}");
        assertThat(added.status(), is(201));
        JsonObject orders = added.json();
        String location = added.header("Location").orElseThrow();
        assertThat(location, is(tables + "/" + orders.getString("id")));
        assertThat(orders.getString("source_table"), is("orders"));
        assertThat(orders.getBoolean("enabled"), is(false));
        assertThat(api.get(location).json(), is(orders));
        assertThat(get(p).getInt("version"), is(2));

        ApiClient.Response twice = api.post(tables, "{\"schema\":\"public\",\"table\":\"orders\"}");
        assertThat(twice.status(), is(409));
        assertThat(twice.json().getString("detail"), containsString("\"public\".\"orders\""));

        JsonObject enabled = api.patch(location, "{\"enabled\":true,\"config\":{}}").json();
        assertThat(enabled.getBoolean("enabled"), is(true));
        assertThat(enabled.getString("id"), is(orders.getString("id")));
        assertThat(get(p).getInt("version"), is(3));
        ApiClient.Response missingTable = api.post(tables, "{\"table\":\"nowhere\"}");
        assertThat(missingTable.json().getJsonArray("warnings").getJsonObject(0).getString("code"), is("table_missing"));

        ApiClient.Response rename = api.patch(location, "{\"table\":\"users\",\"schema\":\"x\"}");
        assertThat(rename.problemSlug(), is("validation-error"));
        assertThat(fields(rename), is(List.of("table", "schema")));

        assertThat(api.delete(location).status(), is(204));
        assertThat(api.delete(location).status(), is(404));
        assertThat(api.patch(location, "{\"enabled\":false}").problemSlug(), is("not-found"));
        assertThat(api.get(location).problemSlug(), is("not-found"));
        assertThat(tableNames(get(p)), is(List.of("public.nowhere", "public.users")));

        JsonObject other = create("mappings-other", "[{\"table\":\"orders\"}]");
        String foreign = tables + "/" + other.getJsonArray("tables").getJsonObject(0).getString("id");
        assertThat(api.patch(foreign, "{\"enabled\":false}").status(), is(404));
        assertThat(api.delete(foreign).status(), is(404));
        assertThat(api.get(tables + "/not-an-id").problemSlug(), is("bad-request"));
        assertThat(api.put(location, "{}").header("Allow").orElseThrow(), is("GET, PATCH, DELETE"));
    }

    @Test
    void unknownPipelinesAndSourcesAreNotFound() {
        String none = "/api/v1/pipelines/00000000-0000-0000-0000-000000000000";
        assertThat(api.get(none).status(), is(404));
        assertThat(api.put(none, "{\"name\":\"x\"}").status(), is(404));
        assertThat(api.delete(none).status(), is(404));
        assertThat(api.get(none + "/tables").status(), is(404));
        assertThat(api.post(none + "/tables", "{\"table\":\"users\"}").status(), is(404));
        assertThat(api.patch(none + "/tables/00000000-0000-0000-0000-000000000000", "{\"enabled\":true}").status(), is(404));
        assertThat(api.get("/api/v1/pipelines/not-an-id").problemSlug(), is("bad-request"));

        long before = storedState();
        ApiClient.Response unknownSource = api.post("/api/v1/pipelines",
                "{\"name\":\"orphan\",\"source_id\":\"00000000-0000-0000-0000-000000000000\",\"tables\":[{\"table\":\"users\"}]}");
        assertThat(unknownSource.status(), is(404));
        assertThat(unknownSource.json().getString("detail"), containsString("No source"));
        assertThat(storedState(), is(before));
    }

    @Test
    void duplicateNamesAndTablesListedTwiceAreConflictsThatChangeNothing() {
        JsonObject p = create("dup-name", "[{\"table\":\"users\"}]");
        create("dup-name-2", "[]");
        long before = storedState();
        ApiClient.Response name = api.post("/api/v1/pipelines", "{\"name\":\"dup-name\",\"source_id\":\"" + sourceId + "\"}");
        assertThat(name.status(), is(409));
        assertThat(name.json().getString("detail"), containsString("dup-name"));
        assertThat(api.put(path(p), "{\"name\":\"dup-name-2\"}").status(), is(409));

        ApiClient.Response twice = api.post("/api/v1/pipelines", """
                {"name":"twice","source_id":"%s","tables":[{"table":"users"},{"table":"orders"},{"schema":"public","table":"users"}]}"""
                .formatted(sourceId));
        assertThat(twice.status(), is(409));
        assertThat(twice.problemSlug(), is("conflict"));
        assertThat(fields(twice), is(List.of("tables[2]")));
        assertThat(api.put(path(p), "{\"tables\":[{\"table\":\"orders\"},{\"table\":\"orders\"}]}").status(), is(409));
        assertThat(storedState(), is(before));
        assertThat(tableNames(get(p)), is(List.of("public.users")));
    }

    @Test
    void fiftyConcurrentCreatesWithOneNameGiveOneCreatedAndFortyNineConflicts() throws Exception {
        String body = "{\"name\":\"race\",\"source_id\":\"" + sourceId + "\",\"tables\":[{\"table\":\"users\"},{\"table\":\"orders\"},"
                      + "{\"table\":\"no_key\"}]}";
        long mappingsBefore = count("SELECT count(*) FROM philotes.table_mappings");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                answers.add(clients.submit(() -> {
                    go.await();
                    return api.post("/api/v1/pipelines", body).status();
                }));
            }
            go.countDown();
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> a : answers) {
            statuses.add(a.get());
        }
        assertThat(statuses.stream().filter(s -> s == 201).count(), is(1L));
        assertThat(statuses.stream().filter(s -> s == 409).count(), is(49L));
        assertThat(count("SELECT count(*) FROM philotes.pipelines WHERE name = 'race'"), is(1L));
        assertThat(count("SELECT count(*) FROM philotes.table_mappings m JOIN philotes.pipelines p ON p.id = m.pipeline_id"
                         + " WHERE p.name = 'race'"), is(3L));
        assertThat(count("SELECT count(*) FROM philotes.table_mappings"), is(mappingsBefore + 3));
    }

    static List<Object[]> badCreates() {
        String s = "\"source_id\":\"SOURCE\"";
        return List.of(
                new Object[] {"{" + s + "}", "name"},
                new Object[] {"{\"name\":42," + s + "}", "name"},
                new Object[] {"{\"name\":\"\"," + s + "}", "name"},
                new Object[] {"{\"name\":\" padded\"," + s + "}", "name"},
                new Object[] {"{\"name\":\"a\\u0007b\"," + s + "}", "name"},
                new Object[] {"{\"name\":\"" + "n".repeat(256) + "\"," + s + "}", "name"},
                new Object[] {"{\"name\":null," + s + "}", "name"},
                new Object[] {"{\"name\":\"n\"}", "source_id"},
                new Object[] {"{\"name\":\"n\",\"source_id\":\"not-a-uuid\"}", "source_id"},
                new Object[] {"{\"name\":\"n\",\"source_id\":7}", "source_id"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"config\":[]}", "config"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"config\":\"snapshot=never\"}", "config"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"config\":{\"snapshot\":\"sometimes\"}}", "config.snapshot"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"config\":{\"batch\":10}}", "config.batch"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":{}}", "tables"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[\"users\"]}", "tables[0]"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"schema\":\"public\"}]}", "tables[0].table"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"\"}]}", "tables[0].table"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"a\\u0000b\"}]}", "tables[0].table"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"" + "t".repeat(64) + "\"}]}", "tables[0].table"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"users\"},{\"schema\":\"" + "é".repeat(32) + "\",\"table\":\"t\"}]}",
                              "tables[1].schema"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":12}]}", "tables[0].table"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"users\",\"enabled\":\"yes\"}]}", "tables[0].enabled"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"users\",\"config\":{\"x\":1}}]}", "tables[0].config.x"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"table\":\"users\",\"id\":\"x\"}]}", "tables[0].id"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"tables\":[{\"source_table\":\"users\"}]}", "tables[0].source_table"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"status\":\"running\"}", "status"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"version\":2}", "version"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"id\":\"00000000-0000-0000-0000-000000000000\"}", "id"},
                new Object[] {"{\"name\":\"n\"," + s + ",\"source\":\"x\"}", "source"});
    }

    @ParameterizedTest
    @MethodSource("badCreates")
    void everyBadCreateIsAValidationErrorNamingTheFieldAndChangesNothing(String body, String field) {
        long before = storedState();
        ApiClient.Response r = api.post("/api/v1/pipelines", body.replace("SOURCE", sourceId));
        assertThat(r.toString(), r.status(), is(400));
        assertThat(r.problemSlug(), is("validation-error"));
        assertThat(fields(r), hasItem(field));
        assertThat(storedState(), is(before));
    }

    @ParameterizedTest
    @MethodSource("badCreates")
    void everyBadUpdateIsAValidationErrorNamingTheFieldAndChangesNothing(String body, String field) {
        if (List.of("name", "source_id").contains(field) && !body.contains("\"" + field + "\"")) {
            return; // absent fields are fine in an update
        }
        JsonObject p = get(PipelineHolder.updated());
        long before = storedState();
        ApiClient.Response r = api.put(path(p), body.replace("SOURCE", sourceId));
        assertThat(r.toString(), r.status(), is(400));
        assertThat(r.problemSlug(), is("validation-error"));
        assertThat(fields(r), hasItem(field));
        assertThat(storedState(), is(before));
        assertThat(get(p), is(p));
    }

    @Test
    void everyFailingFieldIsListedAtOnceIncludingNestedOnes() {
        ApiClient.Response r = api.post("/api/v1/pipelines", """
                {"source_id":"x","config":{"snapshot":1,"nope":true},"tables":[{"table":"ok"},{"schema":"","enabled":1}],"extra":0}""");
        assertThat(fields(r), is(List.of("extra", "name", "source_id", "config.snapshot", "config.nope", "tables[1].schema",
                                         "tables[1].table", "tables[1].enabled")));
        JsonObject unknown = r.json().getJsonArray("errors").getJsonObject(4);
        assertThat(unknown.getString("message"), containsString("known settings: snapshot"));
    }

    @Test
    void badMappingRequestsAreValidationErrorsThatChangeNothing() {
        JsonObject p = create("bad-mappings", "[{\"table\":\"users\"}]");
        String tables = path(p) + "/tables";
        String mapping = tables + "/" + p.getJsonArray("tables").getJsonObject(0).getString("id");
        long before = storedState();
        Map<String, String> adds = Map.of(
                "{}", "table",
                "{\"table\":\"\"}", "table",
                "{\"table\":\"t\",\"enabled\":null}", "enabled",
                "{\"table\":\"t\",\"config\":{\"a\":1}}", "config.a",
                "{\"table\":\"t\",\"pipeline_id\":\"x\"}", "pipeline_id",
                "{\"table\":\"t\",\"color\":\"red\"}", "color");
        adds.forEach((body, field) -> {
            ApiClient.Response r = api.post(tables, body);
            assertThat(body, r.problemSlug(), is("validation-error"));
            assertThat(body, fields(r), hasItem(field));
        });
        Map<String, String> changes = Map.of(
                "{\"enabled\":\"false\"}", "enabled",
                "{\"config\":[]}", "config",
                "{\"table\":\"orders\"}", "table",
                "{\"created_at\":\"2026-01-01T00:00:00Z\"}", "created_at");
        changes.forEach((body, field) -> {
            ApiClient.Response r = api.patch(mapping, body);
            assertThat(body, r.problemSlug(), is("validation-error"));
            assertThat(body, fields(r), hasItem(field));
        });
        assertThat(api.post(tables, "[]").problemSlug(), is("bad-request"));
        assertThat(api.patch(mapping, "{\"enabled\":true}", "Content-Type", "text/plain").problemSlug(), is("unsupported-media-type"));
        assertThat(storedState(), is(before));
        assertThat(get(p), is(p));
    }

    /* One pipeline that the bad-update cases all try to change. */
    private static final class PipelineHolder {
        private static JsonObject pipeline;

        static synchronized JsonObject updated() {
            if (pipeline == null) {
                pipeline = create("bad-updates", "[{\"table\":\"users\"},{\"table\":\"orders\",\"enabled\":false}]");
            }
            return pipeline;
        }
    }
}
