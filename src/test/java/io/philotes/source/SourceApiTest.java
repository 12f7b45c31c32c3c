package io.philotes.source;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.philotes.support.ApiClient;
import io.philotes.support.CleartextPasswordServer;
import io.philotes.support.LogCapture;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.TestApp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** Source CRUD through the HTTP API on a real PostgreSQL. */
@PhilotesTest
class SourceApiTest {
    private static final String PASSWORD = "pw-Zq81-never-shown";
    private static final LogCapture LOGS = LogCapture.start();
    private static TestApp app;
    private static ApiClient api;

    @BeforeAll
    static void start(TestApp started) {
        app = started;
        api = started.client();
    }

    @AfterAll
    static void stop() {
        LOGS.close();
    }

    private static JsonObject create(String name) {
        ApiClient.Response r = api.post("/api/v1/sources", Json.createObjectBuilder(SourceJson.named(name, 5432))
                .add("password", PASSWORD).build().toString());
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("source");
    }

    @Test
    void createReturnsTheSourceWithLocationAndEtagButNoPassword() {
        ApiClient.Response r = api.post("/api/v1/sources", """
                {"name":"orders-db","host":"db.internal","database_name":"orders","username":"cdc","password":"%s",
                 "slot_name":"orders_slot"}""".formatted(PASSWORD));
        assertThat(r.status(), is(201));
        JsonObject s = r.json().getJsonObject("source");
        assertThat(r.header("Location").orElseThrow(), is("/api/v1/sources/" + s.getString("id")));
        assertThat(r.header("ETag").orElseThrow(), is("\"1\""));
        assertThat(s.getString("database"), is("orders"));
        assertThat(s.getInt("port"), is(5432));
        assertThat(s.getString("ssl_mode"), is("prefer"));
        assertThat(s.getString("type"), is("postgresql"));
        assertThat(s.getString("status"), is("inactive"));
        assertThat(s.getString("slot_name"), is("orders_slot"));
        assertThat(s.containsKey("password"), is(false));
        assertThat(r.body(), not(containsString(PASSWORD)));

        ApiClient.Response got = api.get("/api/v1/sources/" + s.getString("id"));
        assertThat(got.json().getJsonObject("source"), is(s));
        assertThat(got.header("ETag").orElseThrow(), is("\"1\""));
    }

    @Test
    void passwordIsEncryptedAtRestAndNeverLogged() throws Exception {
        JsonObject s = create("secret-check");
        try (Connection c = app.database().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT password_ciphertext, password_key_id FROM philotes.sources WHERE id = '"
                                            + s.getString("id") + "'")) {
            rs.next();
            byte[] stored = rs.getBytes(1);
            assertThat(new String(stored, StandardCharsets.ISO_8859_1), not(containsString(PASSWORD)));
            assertThat(stored.length, is(12 + PASSWORD.length() + 16));
            assertThat(rs.getString(2), is("test1"));
        }
        assertThat(LOGS.text(), not(containsString(PASSWORD)));
    }

    @Test
    void aPasswordCopiedFromAnotherRowDoesNotDecrypt() throws Exception {
        JsonObject a = create("copy-from");
        JsonObject b = create("copy-to");
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE philotes.sources SET password_ciphertext = (SELECT password_ciphertext FROM philotes.sources WHERE id = '"
                             + a.getString("id") + "') WHERE id = '" + b.getString("id") + "'");
        }
        ApiClient.Response r = api.post("/api/v1/sources/" + b.getString("id") + "/test", "");
        assertThat(r.status(), is(409));
        assertThat(r.json().getString("detail"), containsString("cannot be decrypted"));
        assertThat(r.json().getString("detail"), containsString("belongs to another record"));
        assertThat(r.body(), not(containsString(PASSWORD)));
        assertThat(api.put("/api/v1/sources/" + b.getString("id"), "{\"password\":\"fresh\"}").status(), is(200));
    }

    @Test
    void duplicateNameIsAConflict() {
        create("dup-name");
        ApiClient.Response r = api.post("/api/v1/sources", SourceJson.named("dup-name", 5432).toString());
        assertThat(r.status(), is(409));
        // Failed statements must give their pooled connection back: far more failures than the pool has connections.
        for (int i = 0; i < 25; i++) {
            assertThat(api.post("/api/v1/sources", SourceJson.named("dup-name", 5432).toString()).status(), is(409));
        }
        assertThat(r.problemSlug(), is("conflict"));
        assertThat(r.json().getString("detail"), containsString("dup-name"));
    }

    @Test
    void listIsNewestFirstWithCursorPagesAndFilter() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(create("page-" + i).getString("id"));
        }
        ApiClient.Response first = api.get("/api/v1/sources?limit=2");
        assertThat(first.status(), is(200));
        JsonObject page = first.json();
        long total = page.getJsonNumber("total_count").longValue();
        assertThat(page.getJsonArray("sources").size(), is(2));
        assertThat(page.getJsonArray("sources").getJsonObject(0).getString("id"), is(ids.getLast()));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonObject p = api.get("/api/v1/sources?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            p.getJsonArray("sources").forEach(v -> seen.add(v.asJsonObject().getString("id")));
            cursor = p.containsKey("next_cursor") ? p.getString("next_cursor") : null;
        } while (cursor != null);
        assertThat((long) seen.size(), is(total));
        assertThat(seen.subList(0, 5), is(ids.reversed()));
        assertThat(seen.stream().distinct().count(), is((long) seen.size()));

        JsonObject none = api.get("/api/v1/sources?status=active").json();
        assertThat(none.getJsonArray("sources").size(), is(0));
        assertThat(none.containsKey("next_cursor"), is(false));
        assertThat(api.get("/api/v1/sources?status=bogus").problemSlug(), is("validation-error"));
        assertThat(api.get("/api/v1/sources?limit=0").problemSlug(), is("validation-error"));
        assertThat(api.get("/api/v1/sources?limit=501").problemSlug(), is("validation-error"));
        assertThat(api.get("/api/v1/sources?cursor=garbage!").problemSlug(), is("bad-request"));
    }

    @Test
    void updateIsPartialAndResetsStatusOnConnectionChanges() throws Exception {
        JsonObject s = create("to-update");
        String path = "/api/v1/sources/" + s.getString("id");
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE philotes.sources SET status = 'active' WHERE id = '" + s.getString("id") + "'");
        }
        ApiClient.Response renamed = api.put(path, "{\"name\":\"renamed\",\"publication_name\":\"pub_x\"}");
        assertThat(renamed.status(), is(200));
        JsonObject r = renamed.json().getJsonObject("source");
        assertThat(r.getString("name"), is("renamed"));
        assertThat(r.getString("host"), is("localhost"));
        assertThat(r.getString("status"), is("active"));
        assertThat(r.getInt("version"), is(2));
        assertThat(renamed.header("ETag").orElseThrow(), is("\"2\""));

        JsonObject moved = api.put(path, "{\"port\":6543,\"password\":\"" + PASSWORD + "\"}").json().getJsonObject("source");
        assertThat(moved.getInt("port"), is(6543));
        assertThat(moved.getString("status"), is("inactive"));
        assertThat(moved.getString("publication_name"), is("pub_x"));

        JsonObject cleared = api.put(path, "{\"publication_name\":null}").json().getJsonObject("source");
        assertThat(cleared.containsKey("publication_name"), is(false));

        ApiClient.Response typeChange = api.put(path, "{\"type\":\"mysql\"}");
        assertThat(typeChange.problemSlug(), is("validation-error"));
    }

    @Test
    void aStoredPasswordNeverFollowsTheSourceToAnotherEndpoint() throws Exception {
        try (CleartextPasswordServer hostile = new CleartextPasswordServer()) {
            JsonObject s = create("walk-out");
            String path = "/api/v1/sources/" + s.getString("id");
            for (String change : List.of("{\"port\":" + hostile.port() + "}", "{\"host\":\"127.0.0.1\",\"port\":" + hostile.port() + "}",
                                         "{\"database\":\"other\"}", "{\"username\":\"other\"}", "{\"ssl_mode\":\"disable\"}")) {
                ApiClient.Response r = api.put(path, change);
                assertThat(change + " -> " + r, r.status(), is(422));
                assertThat(r.problemSlug(), is("unprocessable-content"));
                assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("password"));
            }
            JsonObject unchanged = api.get(path).json().getJsonObject("source");
            assertThat(unchanged.getInt("port"), is(s.getInt("port")));
            assertThat(unchanged.getInt("version"), is(1));
            api.post(path + "/test", "");
            // The same values again move nothing, so no password is needed; a new endpoint with its own password is fine.
            assertThat(api.put(path, "{\"host\":\"" + s.getString("host") + "\",\"port\":" + s.getInt("port") + "}").status(), is(200));
            assertThat(api.put(path, "{\"host\":\"127.0.0.1\",\"port\":" + hostile.port() + ",\"ssl_mode\":\"disable\","
                                     + "\"password\":\"given-for-this-one\"}").status(), is(200));
            api.post(path + "/test", "");
            assertThat(hostile.received(), is(List.of("given-for-this-one")));
        }
    }

    @Test
    void aRowPointedAtAnotherServerBehindTheApisBackDoesNotGiveUpItsPassword() throws Exception {
        try (CleartextPasswordServer hostile = new CleartextPasswordServer()) {
            JsonObject s = create("tampered");
            // Someone with write access to the metadata database, not to the API, moves the row.
            try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE philotes.sources SET host = '127.0.0.1', port = " + hostile.port() + ", ssl_mode = 'disable'"
                                 + " WHERE id = '" + s.getString("id") + "'");
            }
            ApiClient.Response r = api.post("/api/v1/sources/" + s.getString("id") + "/test", "");
            assertThat(r.toString(), r.status(), is(409));
            assertThat(r.json().getString("detail"), containsString("cannot be decrypted for 127.0.0.1:" + hostile.port()));
            assertThat(hostile.received(), is(List.of()));
        }
    }

    @Test
    void staleIfMatchIsPreconditionFailedAndChangesNothing() {
        JsonObject s = create("etag-check");
        String path = "/api/v1/sources/" + s.getString("id");
        assertThat(api.put(path, "{\"name\":\"etag-check-2\"}", "If-Match", "\"1\"").status(), is(200));
        ApiClient.Response stale = api.put(path, "{\"name\":\"etag-check-3\"}", "If-Match", "\"1\"");
        assertThat(stale.status(), is(412));
        assertThat(stale.problemSlug(), is("precondition-failed"));
        assertThat(api.get(path).json().getJsonObject("source").getString("name"), is("etag-check-2"));
        assertThat(api.delete(path, "If-Match", "\"1\"").status(), is(412));
        assertThat(api.put(path, "{\"name\":\"x\"}", "If-Match", "nonsense").problemSlug(), is("bad-request"));
        assertThat(api.delete(path, "If-Match", "\"2\"").status(), is(204));
        assertThat(api.get(path).status(), is(404));
    }

    @Test
    void sourceInUseByAPipelineCannotBeDeleted() throws Exception {
        JsonObject s = create("in-use");
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO philotes.pipelines (name, source_id) VALUES ('uses-it', '" + s.getString("id") + "')");
        }
        ApiClient.Response r = api.delete("/api/v1/sources/" + s.getString("id"));
        assertThat(r.status(), is(409));
        assertThat(r.json().getString("detail"), containsString("uses-it"));
        assertThat(api.get("/api/v1/sources/" + s.getString("id")).status(), is(200));
    }

    @Test
    void unknownAndMalformedIds() {
        ApiClient.Response missing = api.get("/api/v1/sources/00000000-0000-0000-0000-000000000000");
        assertThat(missing.status(), is(404));
        assertThat(missing.problemSlug(), is("not-found"));
        assertThat(api.get("/api/v1/sources/not-a-uuid").problemSlug(), is("bad-request"));
        assertThat(api.put("/api/v1/sources/00000000-0000-0000-0000-000000000000", "{\"name\":\"x\"}").status(), is(404));
        assertThat(api.delete("/api/v1/sources/00000000-0000-0000-0000-000000000000").status(), is(404));
        assertThat(api.send("PATCH", "/api/v1/sources/00000000-0000-0000-0000-000000000000", "{}").header("Allow").orElseThrow(),
                   is("GET, PUT, DELETE"));
    }

    static List<Object[]> badInputs() {
        String huge = "x".repeat(300);
        return List.of(
                new Object[] {"{\"name\":42,\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "name"},
                new Object[] {"{\"name\":\"" + huge + "\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "name"},
                new Object[] {"{\"name\":\"a\\u0007b\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "name"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h?sslfactory=x\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "host"},
                new Object[] {"{\"name\":\"n\",\"host\":\"postgres://h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "host"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h/path\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "host"},
                new Object[] {"{\"name\":\"n\",\"host\":\"a b\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "host"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"database\":\"d?sslfactory=org.x\",\"username\":\"u\","
                              + "\"password\":\"p\"}", "database"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"database\":\"" + "d".repeat(64) + "\",\"username\":\"u\","
                              + "\"password\":\"p\"}", "database"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"port\":0,\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "port"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"port\":65536,\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "port"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"port\":-1,\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "port"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"port\":\"5432\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "port"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"port\":5432.5,\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "port"},
                withField("\"ssl_mode\":\"sometimes\"", "ssl_mode"),
                withField("\"slot_name\":\"Bad-Slot\"", "slot_name"),
                withField("\"publication_name\":\"1pub\"", "publication_name"),
                withField("\"jdbc_url\":\"jdbc:x\"", "jdbc_url"),
                withField("\"id\":\"x\"", "id"),
                withField("\"status\":\"active\"", "status"),
                withField("\"version\":3", "version"),
                withField("\"type\":\"mysql\"", "type"),
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\"}", "password"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":null}", "password"},
                new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"username\":\"u\",\"password\":\"p\"}", "database"},
                new Object[] {"{\"name\":\"\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "name"},
                new Object[] {"{\"name\":\" n\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"}", "name"});
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputIsAValidationErrorNamingTheFieldAndChangesNothing(String body, String field) {
        long before = api.get("/api/v1/sources").json().getJsonNumber("total_count").longValue();
        ApiClient.Response r = api.post("/api/v1/sources", body);
        assertThat(r.toString(), r.status(), is(400));
        assertThat(r.problemSlug(), is("validation-error"));
        List<String> fields = r.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList();
        assertThat(fields, hasItem(field));
        assertThat(api.get("/api/v1/sources").json().getJsonNumber("total_count").longValue(), is(before));
    }

    @Test
    void everyFailingFieldIsListedAtOnce() {
        ApiClient.Response r = api.post("/api/v1/sources", "{\"port\":0,\"ssl_mode\":\"x\",\"extra\":1}");
        List<String> fields = r.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList();
        assertThat(fields.containsAll(List.of("name", "host", "database", "username", "password", "port", "ssl_mode", "extra")), is(true));
    }

    @Test
    void badUpdateChangesNothing() {
        JsonObject s = create("bad-update");
        String path = "/api/v1/sources/" + s.getString("id");
        ApiClient.Response r = api.put(path, "{\"name\":\"ok\",\"port\":70000,\"host\":\"x&y\"}");
        assertThat(r.problemSlug(), is("validation-error"));
        assertThat(api.get(path).json().getJsonObject("source"), is(s));
        assertThat(api.put(path, "[]").problemSlug(), is("bad-request"));
        assertThat(api.put(path, "{\"name\":\"x\"}", "Content-Type", "text/plain").problemSlug(), is("unsupported-media-type"));
    }

    @Test
    void nullFieldsAreRejectedByName() {
        JsonObject s = create("null-fields");
        ApiClient.Response r = api.put("/api/v1/sources/" + s.getString("id"), "{\"host\":null}");
        assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("host"));
        assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("message"), startsWith("must not be null"));
    }

    /* A valid create request with one more field, and the field its error must name. */
    private static Object[] withField(String field, String named) {
        return new Object[] {"{\"name\":\"n\",\"host\":\"h\",\"database\":\"d\",\"username\":\"u\",\"password\":\"p\"," + field + "}", named};
    }
}
