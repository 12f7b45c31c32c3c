package io.philotes.source;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/** Table discovery against a real source with awkward names and every replica identity. */
@PhilotesTest
class DiscoveryApiTest {
    private static final String LONG_NAME = "t" + "x".repeat(62);
    private static ApiClient api;
    private static String sourcePath;

    @BeforeAll
    static void start(ApiClient client) {
        api = client;
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE public.orders (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2) DEFAULT 0,
                                            placed_at timestamptz);
                CREATE TABLE public.order_lines (order_id bigint, line int, sku varchar(20), PRIMARY KEY (line, order_id));
                CREATE TABLE public.audit_log (at timestamptz, message text);
                CREATE TABLE public.full_identity (a int, b text);
                ALTER TABLE public.full_identity REPLICA IDENTITY FULL;
                CREATE TABLE public.nothing_identity (id int PRIMARY KEY);
                ALTER TABLE public.nothing_identity REPLICA IDENTITY NOTHING;
                CREATE TABLE public.measurements (id int, taken date, PRIMARY KEY (id, taken)) PARTITION BY RANGE (taken);
                CREATE TABLE public.measurements_2026 PARTITION OF public.measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                CREATE SCHEMA "Odd.Schema";
                CREATE TABLE "Odd.Schema"."we""ird.name" ("col ""q""\" int PRIMARY KEY);
                CREATE TABLE "Odd.Schema"."tëst_ünïcode_表" ("ünï" text);
                CREATE TABLE "Odd.Schema"."%s" (id int PRIMARY KEY);
                CREATE SCHEMA empty_schema;
                INSERT INTO public.orders SELECT g, 'c' || g, g, now() FROM generate_series(1, 100) g;
                ANALYZE public.orders;
                """.formatted(LONG_NAME));
        JsonObject body = Json.createObjectBuilder(SourceJson.on(server, db, "postgres", "").build()).add("name", "discovery").build();
        sourcePath = "/api/v1/sources/" + api.post("/api/v1/sources", body.toString()).json().getJsonObject("source").getString("id");
    }

    private static Map<String, JsonObject> tables(String query) {
        ApiClient.Response r = api.get(sourcePath + "/tables" + query);
        assertThat(r.toString(), r.status(), is(200));
        Map<String, JsonObject> byName = new LinkedHashMap<>();
        r.json().getJsonArray("tables").forEach(v -> byName.put(v.asJsonObject().getString("schema") + "." + v.asJsonObject().getString("name"),
                                                                  v.asJsonObject()));
        assertThat(r.json().getInt("count"), is(byName.size()));
        return byName;
    }

    @Test
    void publicSchemaByDefaultSortedWithColumnsInOrder() {
        Map<String, JsonObject> tables = tables("");
        assertThat(List.copyOf(tables.keySet()), is(List.of("public.audit_log", "public.full_identity", "public.measurements",
                "public.measurements_2026", "public.nothing_identity", "public.order_lines", "public.orders")));
        JsonObject orders = tables.get("public.orders");
        assertThat(orders.getJsonArray("primary_key").getString(0), is("id"));
        assertThat(orders.getString("replica_identity"), is("default"));
        assertThat(orders.getBoolean("cdc_ready"), is(true));
        assertThat(orders.getJsonNumber("estimated_rows").longValue(), is(100L));
        assertThat(orders.getJsonNumber("size_bytes").longValue() > 0, is(true));
        List<String> columns = orders.getJsonArray("columns").stream().map(c -> c.asJsonObject().getString("name")).toList();
        assertThat(columns, is(List.of("id", "customer", "total", "placed_at")));
        JsonObject total = orders.getJsonArray("columns").getJsonObject(2);
        assertThat(total.getString("type"), is("numeric(12,2)"));
        assertThat(total.getString("udt_type"), is("numeric"));
        assertThat(total.getString("default"), is("0"));
        assertThat(total.getBoolean("nullable"), is(true));
        assertThat(total.getBoolean("primary_key"), is(false));
        assertThat(total.getInt("position"), is(3));
        assertThat(orders.getJsonArray("columns").getJsonObject(1).getBoolean("nullable"), is(false));
    }

    @Test
    void compositeAndMissingKeysAndReplicaIdentities() {
        Map<String, JsonObject> tables = tables("?schema=public");
        JsonObject lines = tables.get("public.order_lines");
        assertThat(lines.getJsonArray("primary_key").stream().map(v -> v.toString().replace("\"", "")).toList(), is(List.of("line", "order_id")));
        assertThat(lines.getJsonArray("columns").getJsonObject(0).getBoolean("primary_key"), is(true));
        JsonObject audit = tables.get("public.audit_log");
        assertThat(audit.getJsonArray("primary_key").size(), is(0));
        assertThat(audit.getBoolean("cdc_ready"), is(false));
        assertThat(audit.getString("cdc_issue"), containsString("REPLICA IDENTITY FULL"));
        JsonObject full = tables.get("public.full_identity");
        assertThat(full.getString("replica_identity"), is("full"));
        assertThat(full.getBoolean("cdc_ready"), is(true));
        assertThat(full.containsKey("cdc_issue"), is(false));
        JsonObject nothing = tables.get("public.nothing_identity");
        assertThat(nothing.getString("replica_identity"), is("nothing"));
        assertThat(nothing.getBoolean("cdc_ready"), is(false));
        assertThat(tables.get("public.measurements").getBoolean("partitioned"), is(true));
        assertThat(tables.get("public.measurements_2026").getBoolean("partitioned"), is(false));
    }

    @Test
    void awkwardNamesRoundTrip() {
        Map<String, JsonObject> tables = tables("?schema=Odd.Schema");
        assertThat(tables.size(), is(3));
        JsonObject weird = tables.get("Odd.Schema.we\"ird.name");
        assertThat(weird.getJsonArray("columns").getJsonObject(0).getString("name"), is("col \"q\""));
        assertThat(weird.getJsonArray("primary_key").getString(0), is("col \"q\""));
        assertThat(tables.containsKey("Odd.Schema.tëst_ünïcode_表"), is(true));
        assertThat(tables.get("Odd.Schema.tëst_ünïcode_表").getJsonArray("columns").getJsonObject(0).getString("name"), is("ünï"));
        assertThat(tables.containsKey("Odd.Schema." + LONG_NAME), is(true));
        assertThat(LONG_NAME.length(), is(63));
    }

    @Test
    void everySchemaAndEmptyResults() {
        Map<String, JsonObject> all = tables("?schema=*");
        assertThat(all.size(), is(10));
        assertThat(all.keySet().stream().noneMatch(k -> k.startsWith("pg_catalog.") || k.startsWith("information_schema.")), is(true));
        ApiClient.Response empty = api.get(sourcePath + "/tables?schema=empty_schema");
        assertThat(empty.body(), is("{\"tables\":[],\"count\":0}"));
        assertThat(api.get(sourcePath + "/tables?schema=" + "s".repeat(64)).problemSlug(), is("validation-error"));
    }

    @Test
    void unreachableSourceIsA502NamingTheCause() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        JsonObject body = Json.createObjectBuilder(SourceJson.named("unreachable", port)).add("host", "127.0.0.1").build();
        String id = api.post("/api/v1/sources", body.toString()).json().getJsonObject("source").getString("id");
        ApiClient.Response r = api.get("/api/v1/sources/" + id + "/tables");
        assertThat(r.status(), is(502));
        assertThat(r.problemSlug(), is("source-unreachable"));
        assertThat(r.json().getString("detail"), containsString("connection refused"));
        assertThat(r.json().get("errors"), nullValue());
    }
}
