package io.philotes.cdc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** Every event carries the version of its table's shape, and GET /schema describes each version, through the API. */
@PhilotesTest
class SchemaVersionTest {
    private static final long WAIT_MILLIS = 20_000;
    private static SourceServers.Server server;
    private static TestApp app;
    private static ApiClient api;

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        api = app.client();
        server = source;
    }

    private static JsonObject table(String path) {
        ApiClient.Response r = api.get(path + "/schema");
        assertThat(r.toString(), r.status(), is(200));
        return r.json().getJsonArray("tables").getJsonObject(0);
    }

    private static String column(JsonObject table, String name) {
        JsonObject c = table.getJsonArray("columns").stream().map(JsonValue::asJsonObject).filter(o -> o.getString("name").equals(name))
                .findFirst().orElseThrow();
        return c.getString("type") + " " + c.getString("json_type") + (c.getBoolean("nullable") ? " null" : " not null")
               + (c.getBoolean("key") ? " key" : "");
    }

    @Test
    void theStreamAndTheCopySeeOneShapeAsOneVersionWhateverTheTablesKey() throws Exception {
        String db = server.createDatabase();
        // A key with an INCLUDE column, a deferrable primary key (no replica identity), REPLICA IDENTITY FULL.
        server.execute(db, """
                CREATE TABLE public.covered (id int, x int, PRIMARY KEY (id) INCLUDE (x));
                CREATE TABLE public.deferred (id int PRIMARY KEY DEFERRABLE, x int);
                ALTER TABLE public.deferred REPLICA IDENTITY FULL;
                INSERT INTO public.covered VALUES (1, 1); INSERT INTO public.deferred VALUES (1, 1);""");
        String source = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "keyed").build().toString())
                .json().getJsonObject("source").getString("id");
        String path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"keyed\",\"source_id\":\"" + source
                + "\",\"tables\":[{\"table\":\"covered\"},{\"table\":\"deferred\",\"config\":{\"allow_full_copy\":true}}]}").json()
                .getJsonObject("pipeline").getString("id");
        ApiClient.Response started = api.post(path + "/start", "");
        assertThat(started.toString(), started.status(), is(200));
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        server.execute(db, "INSERT INTO public.covered VALUES (2, 2); INSERT INTO public.deferred VALUES (2, 2)");
        List<JsonObject> events = PipelineEvents.await(api, path, 5, WAIT_MILLIS);
        // The whole-table copy begins with a truncate, which carries the table's version too.
        assertThat(events.stream().map(e -> e.getString("table") + ":" + e.getString("op") + ":" + e.getInt("schema_version")).sorted().toList(),
                   is(List.of("covered:insert:1", "covered:snapshot:1", "deferred:insert:1", "deferred:snapshot:1", "deferred:truncate:1")));
        JsonObject covered = api.get(path + "/schema").json().getJsonArray("tables").getJsonObject(0);
        assertThat(column(covered, "x"), is("integer integer null"));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }

    @Test
    void aTablesShapeIsVersionedAndEveryEventSaysWhichVersionItWasCapturedIn() throws Exception {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.orders (id int PRIMARY KEY, customer text NOT NULL, amount numeric(10,2), placed timestamptz);
                INSERT INTO public.orders VALUES (1, 'ada', 12.50, now()), (2, 'bob', 7.25, now());""");
        String source = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "shaped").build().toString())
                .json().getJsonObject("source").getString("id");
        String path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"shaped\",\"source_id\":\"" + source
                + "\",\"tables\":[{\"table\":\"orders\"}]}").json().getJsonObject("pipeline").getString("id");
        // Before the first start the table is mapped but not seen.
        JsonObject unseen = table(path);
        assertThat(unseen.containsKey("schema_version"), is(false));
        assertThat(unseen.getJsonArray("columns").size(), is(0));

        assertThat(api.post(path + "/start", "").status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        server.execute(db, "INSERT INTO public.orders VALUES (3, 'cy', 1.00, now())");
        List<JsonObject> events = PipelineEvents.await(api, path, 3, WAIT_MILLIS);
        assertThat(events.stream().map(e -> e.getString("op") + ":" + e.getInt("schema_version")).toList(),
                   is(List.of("snapshot:1", "snapshot:1", "insert:1")));
        JsonObject v1 = table(path);
        assertThat(v1.getInt("schema_version"), is(1));
        assertThat(v1.getJsonArray("columns").stream().map(c -> c.asJsonObject().getString("name")).toList(),
                   is(List.of("id", "customer", "amount", "placed")));
        assertThat(column(v1, "id"), is("integer integer not null key"));
        assertThat(column(v1, "customer"), is("text string not null"));
        assertThat(column(v1, "amount"), is("numeric(10,2) number null"));
        assertThat(column(v1, "placed"), is("timestamp with time zone string null"));

        // A column added: the next change is in version 2.
        server.execute(db, "ALTER TABLE public.orders ADD COLUMN note text; INSERT INTO public.orders VALUES (4, 'di', 2.00, now(), 'gift')");
        // A type changed so that its JSON type does: version 3, and its values are strings from then on.
        server.execute(db, "ALTER TABLE public.orders ALTER COLUMN amount TYPE numeric(30,10); UPDATE public.orders SET amount = 3 WHERE id = 4");
        events = PipelineEvents.await(api, path, 5, WAIT_MILLIS);
        assertThat(events.stream().map(e -> e.getString("op") + ":" + e.getInt("schema_version")).toList(),
                   is(List.of("snapshot:1", "snapshot:1", "insert:1", "insert:2", "update:3")));
        assertThat(events.get(4).getJsonObject("after").getString("amount"), is("3.0000000000"));
        // Each version describes the shape it was captured in, even when the catalog had moved on when it was recorded.
        try (Connection c = app.database().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT CAST(columns AS text) FROM philotes.table_schemas WHERE version = 2 AND pipeline_id = '"
                                            + path.substring(path.lastIndexOf('/') + 1) + "'")) {
            assertThat(rs.next(), is(true));
            assertThat(rs.getString(1), containsString("\"name\":\"amount\",\"type\":\"numeric(10,2)\""));
        }
        JsonObject v3 = table(path);
        assertThat(v3.getInt("schema_version"), is(3));
        assertThat(column(v3, "note"), is("text string null"));
        assertThat(column(v3, "amount"), is("numeric(30,10) string null"));
        // The same shape again (a new session after a restart) is the same version.
        assertThat(api.post(path + "/stop", "").status(), is(200));
        assertThat(api.post(path + "/start", "").status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
        server.execute(db, "INSERT INTO public.orders VALUES (5, 'ed', 4.00, now(), null)");
        events = PipelineEvents.await(api, path, 6, WAIT_MILLIS);
        assertThat(events.getLast().getInt("schema_version"), is(3));
        assertThat(table(path).getInt("schema_version"), is(3));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }
}
