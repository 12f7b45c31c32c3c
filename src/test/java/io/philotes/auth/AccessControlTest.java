package io.philotes.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.philotes.support.ApiClient;
import io.philotes.support.LogCapture;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.TestApp;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

/** API keys, roles and the audit log through the HTTP API, with a log capture that no key may ever appear in. */
@PhilotesTest
class AccessControlTest {
    private static final LogCapture LOGS = LogCapture.start();
    private static final String KEY_PATTERN = "phk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}";
    /* Every key secret this class saw, and every response body but the creations': none may hold a secret. */
    private static final List<String> SECRETS = new ArrayList<>(List.of(TestApp.ADMIN_KEY));
    private static final List<String> BODIES = new ArrayList<>();
    private static ApiClient admin;
    private static ApiClient anonymous;
    private static String pipelineId;

    @BeforeAll
    static void start(ApiClient client) {
        admin = client;
        anonymous = client.withKey(null);
        String source = admin.post("/api/v1/sources", SourceJson.named("acl-source", 5432).toString()).json()
                .getJsonObject("source").getString("id");
        pipelineId = admin.post("/api/v1/pipelines", "{\"name\":\"acl-pipeline\",\"source_id\":\"" + source + "\",\"tables\":[]}").json()
                .getJsonObject("pipeline").getString("id");
    }

    @AfterAll
    static void noKeyInAnyLogLineOrResponse() {
        LOGS.close();
        for (String secret : SECRETS) {
            assertThat("a key in the log", LOGS.text(), not(containsString(secret)));
            String secretPart = secret.substring(secret.lastIndexOf('_') + 1);
            assertThat("a key's secret in the log", LOGS.text(), not(containsString(secretPart)));
            for (String body : BODIES) {
                assertThat("a key in a response", body, not(containsString(secretPart)));
            }
        }
    }

    private static ApiClient.Response seen(ApiClient.Response response) {
        BODIES.add(response.body());
        return response;
    }

    private static JsonObject create(String name, String role, String more) {
        ApiClient.Response r = admin.post("/api/v1/keys", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"" + more + "}");
        assertThat(r.toString(), r.status(), is(201));
        JsonObject key = r.json().getJsonObject("key");
        SECRETS.add(key.getString("secret"));
        assertThat("the one response with a secret is kept by no cache", r.header("Cache-Control").orElseThrow(), is("no-store"));
        assertThat(r.header("Location").orElseThrow(), is("/api/v1/keys/" + key.getString("id")));
        return key;
    }

    private static ApiClient as(JsonObject key) {
        return admin.withKey(key.getString("secret"));
    }

    private static long keyCount() {
        return seen(admin.get("/api/v1/keys")).json().getJsonNumber("total_count").longValue();
    }

    @Test
    void aKeyIsShownOnceAndWorksUntilRevoked() throws InterruptedException {
        JsonObject key = create("ops-" + System.nanoTime(), "operator", "");
        assertThat(key.getString("secret"), matchesPattern(KEY_PATTERN));
        assertThat(key.getString("secret"), containsString("_" + key.getString("id") + "_"));
        String path = "/api/v1/keys/" + key.getString("id");

        JsonObject shown = seen(admin.get(path)).json().getJsonObject("key");
        assertThat(shown.containsKey("secret"), is(false));
        assertThat(shown.getString("role"), is("operator"));
        assertThat(seen(as(key).get("/api/v1/sources")).status(), is(200));
        assertThat(seen(admin.get("/api/v1/keys?limit=500")).body(), containsString(key.getString("id")));

        // last_used_at is written a moment after the first use.
        long deadline = System.currentTimeMillis() + 30_000;
        while (!seen(admin.get(path)).json().getJsonObject("key").containsKey("last_used_at") && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(seen(admin.get(path)).json().getJsonObject("key").containsKey("last_used_at"), is(true));

        // A key pasted into a path stays out of the logs too.
        assertThat(seen(admin.get("/api/v1/keys/" + key.getString("secret"))).status(), is(404));
        assertThat(seen(admin.delete(path)).status(), is(204));
        ApiClient.Response revoked = seen(as(key).get("/api/v1/sources"));
        assertThat(revoked.status(), is(401));
        assertThat(revoked.problemSlug(), is("unauthorized"));
        assertThat(revoked.header("WWW-Authenticate").orElseThrow(), containsString("Bearer"));
        assertThat(seen(admin.get(path)).status(), is(404));
        assertThat(seen(admin.delete(path)).status(), is(404));
    }

    @Test
    void theXApiKeyHeaderIsAcceptedToo() {
        JsonObject key = create("viewer-" + System.nanoTime(), "viewer", "");
        assertThat(seen(admin.withKey(null).get("/api/v1/pipelines", "X-API-Key", key.getString("secret"))).status(), is(200));
    }

    @Test
    void noKeyOrABadOneIs401AndNeverSaysWhetherTheIdExists() {
        JsonObject key = create("probe-" + System.nanoTime(), "viewer", "");
        String secret = key.getString("secret");
        String wrongSecret = secret.substring(0, secret.length() - 4) + (secret.endsWith("AAAA") ? "BBBB" : "AAAA");
        String unknownId = "phk_ZZZZZZZZZZZZ_" + secret.substring(secret.length() - 43);

        ApiClient.Response none = seen(anonymous.get("/api/v1/sources"));
        assertThat(none.status(), is(401));
        assertThat(none.header("WWW-Authenticate").orElseThrow(), is("Bearer realm=\"philotes\""));
        assertThat(none.json().getString("detail"), containsString("Authorization: Bearer"));

        ApiClient.Response wrong = seen(admin.withKey(wrongSecret).get("/api/v1/sources"));
        ApiClient.Response unknown = seen(admin.withKey(unknownId).get("/api/v1/sources"));
        assertThat(wrong.status(), is(401));
        assertThat(wrong.header("WWW-Authenticate").orElseThrow(), containsString("error=\"invalid_token\""));
        assertThat(wrong.json().getString("detail"), is(unknown.json().getString("detail")));
        assertThat(wrong.json().getString("detail"), not(containsString(key.getString("id"))));
        SECRETS.add(wrongSecret);
    }

    @Test
    void aMalformedAuthorizationHeaderIsAPrecise401() {
        for (String header : List.of("Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token " + TestApp.ADMIN_KEY)) {
            ApiClient.Response r = seen(admin.get("/api/v1/sources", "Authorization", header));
            assertThat(header, r.status(), is(401));
            assertThat(header, r.json().getString("detail"), containsString("'Bearer <key>'"));
        }
        ApiClient.Response shortKey = seen(admin.get("/api/v1/sources", "Authorization", "Bearer short"));
        assertThat(shortKey.status(), is(401));
        assertThat(shortKey.json().getString("detail"), containsString("malformed"));
        ApiClient.Response two = seen(admin.get("/api/v1/sources", "Authorization", "Bearer " + TestApp.ADMIN_KEY,
                                                "X-API-Key", "another-key-0123456789-0123456789-abcdef"));
        assertThat(two.status(), is(401));
        assertThat(two.json().getString("detail"), containsString("different keys"));
        // Public routes need nothing, whatever is sent.
        assertThat(seen(admin.get("/health", "Authorization", "Basic x")).status(), is(200));
    }

    @Test
    void aKeyWithoutThePermissionIs403NamingIt() {
        JsonObject viewer = create("viewer-403-" + System.nanoTime(), "viewer", "");
        ApiClient.Response r = seen(as(viewer).get("/api/v1/pipelines/" + pipelineId + "/events"));
        assertThat(r.status(), is(403));
        assertThat(r.problemSlug(), is("forbidden"));
        assertThat(r.json().getString("detail"), containsString("events:read"));
        assertThat(r.json().getString("detail"), containsString("viewer"));
    }

    @Test
    void aConsumerKeyReadsTheEventsOfItsOwnPipelinesOnly() {
        String other = admin.post("/api/v1/pipelines", "{\"name\":\"acl-other-" + System.nanoTime() + "\",\"source_id\":\""
                + admin.get("/api/v1/pipelines/" + pipelineId).json().getJsonObject("pipeline").getString("source_id") + "\",\"tables\":[]}")
                .json().getJsonObject("pipeline").getString("id");
        JsonObject consumer = create("consumer-" + System.nanoTime(), "consumer", ",\"pipeline_ids\":[\"" + pipelineId + "\"]");
        assertThat(consumer.getJsonArray("pipeline_ids").getString(0), is(pipelineId));
        assertThat(seen(as(consumer).get("/api/v1/pipelines/" + pipelineId + "/events")).status(), is(200));
        ApiClient.Response foreign = seen(as(consumer).get("/api/v1/pipelines/" + other + "/events"));
        assertThat(foreign.status(), is(403));
        assertThat(foreign.json().getString("detail"), containsString("events:read on pipeline " + other));
        assertThat(seen(as(consumer).get("/api/v1/pipelines/" + pipelineId)).status(), is(403));
        assertThat(seen(as(consumer).get("/api/v1/sources")).status(), is(403));
    }

    @Test
    void badKeyRequestsArePreciseAndChangeNothing() {
        String taken = "taken-" + System.nanoTime();
        create(taken, "viewer", "");
        long before = keyCount();

        ApiClient.Response role = seen(admin.post("/api/v1/keys", "{\"name\":\"x1\",\"role\":\"superuser\"}"));
        assertThat(role.status(), is(400));
        assertThat(role.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("role"));
        assertThat(role.json().getJsonArray("errors").getJsonObject(0).getString("message"), containsString("admin, operator, viewer, consumer"));

        String missing = "00000000-0000-4000-8000-000000000000";
        ApiClient.Response pipelines = seen(admin.post("/api/v1/keys", "{\"name\":\"x2\",\"role\":\"consumer\",\"pipeline_ids\":[\""
                + pipelineId + "\",\"" + missing + "\"]}"));
        assertThat(pipelines.status(), is(400));
        assertThat(pipelines.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("pipeline_ids[1]"));
        assertThat(pipelines.json().getJsonArray("errors").getJsonObject(0).getString("message"), containsString(missing));

        ApiClient.Response noPipelines = seen(admin.post("/api/v1/keys", "{\"name\":\"x3\",\"role\":\"consumer\"}"));
        assertThat(noPipelines.status(), is(400));
        assertThat(noPipelines.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("pipeline_ids"));
        ApiClient.Response notConsumer = seen(admin.post("/api/v1/keys", "{\"name\":\"x4\",\"role\":\"viewer\",\"pipeline_ids\":[\""
                + pipelineId + "\"]}"));
        assertThat(notConsumer.status(), is(400));

        ApiClient.Response past = seen(admin.post("/api/v1/keys", "{\"name\":\"x5\",\"role\":\"viewer\",\"expires_at\":\""
                + Instant.now().minusSeconds(60) + "\"}"));
        assertThat(past.status(), is(400));
        assertThat(past.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("expires_at"));
        assertThat(past.json().getJsonArray("errors").getJsonObject(0).getString("message"), containsString("future"));

        ApiClient.Response duplicate = seen(admin.post("/api/v1/keys", "{\"name\":\"" + taken + "\",\"role\":\"viewer\"}"));
        assertThat(duplicate.status(), is(409));
        assertThat(duplicate.json().getString("detail"), containsString(taken));

        ApiClient.Response readOnly = seen(admin.post("/api/v1/keys", "{\"name\":\"x6\",\"role\":\"viewer\",\"secret\":\"mine\"}"));
        assertThat(readOnly.status(), is(400));
        assertThat(keyCount(), is(before));
    }

    @Test
    void theLastAdminKeyCannotBeRevoked() {
        ApiClient.Response last = seen(admin.delete("/api/v1/keys/bootstrap"));
        assertThat(last.status(), is(409));
        assertThat(last.json().getString("detail"), containsString("last admin key"));
        assertThat(seen(admin.get("/api/v1/sources")).status(), is(200));

        // With a second admin key, either one may go - but not both.
        JsonObject second = create("second-admin-" + System.nanoTime(), "admin", "");
        assertThat(seen(as(second).get("/api/v1/keys/bootstrap")).status(), is(200));
        assertThat(seen(admin.delete("/api/v1/keys/" + second.getString("id"))).status(), is(204));
        assertThat(seen(admin.delete("/api/v1/keys/bootstrap")).status(), is(409));
    }

    @Test
    void anExpiredKeyIs401SayingSo() throws InterruptedException {
        JsonObject key = create("short-lived-" + System.nanoTime(), "viewer", ",\"expires_at\":\"" + Instant.now().plusSeconds(5) + "\"");
        Instant expires = Instant.parse(key.getString("expires_at"));
        assertThat(key.getString("expires_at"), is(expires.toString()));
        assertThat(seen(as(key).get("/api/v1/sources")).status(), is(200));
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 100);
        ApiClient.Response expired = seen(as(key).get("/api/v1/sources"));
        assertThat(expired.status(), is(401));
        assertThat(expired.json().getString("detail"), containsString("expired"));
    }

    @Test
    void changesAndDenialsAreAuditedWithoutBodies() throws InterruptedException {
        JsonObject viewer = create("audited-viewer-" + System.nanoTime(), "viewer", "");
        ApiClient.Response created = admin.post("/api/v1/sources", SourceJson.named("audited-" + System.nanoTime(), 5432).toString(),
                                                "X-Request-ID", "audit-create-1");
        String sourceId = created.json().getJsonObject("source").getString("id");
        seen(as(viewer).delete("/api/v1/sources/" + sourceId, "X-Request-ID", "audit-denied-1"));
        seen(anonymous.get("/api/v1/sources", "X-Request-ID", "audit-anonymous-1"));
        seen(admin.get("/api/v1/sources", "X-Request-ID", "audit-read-1"));
        seen(anonymous.post("/api/v1/no-such-thing", "{}", "X-Request-ID", "audit-unrouted-1"));

        List<JsonObject> entries = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (entries.stream().noneMatch(e -> e.getString("request_id").equals("audit-anonymous-1")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            entries.clear();
            long after = 0;
            JsonObject page;
            do {
                page = seen(admin.get("/api/v1/audit?limit=1000&after=" + after)).json();
                page.getJsonArray("entries").forEach(e -> entries.add(e.asJsonObject()));
                after = page.getJsonNumber("next_after").longValue();
            } while (!page.getJsonArray("entries").isEmpty());
        }
        JsonObject create = entry(entries, "audit-create-1");
        assertThat(create.getString("method"), is("POST"));
        assertThat(create.getString("path"), is("/api/v1/sources"));
        assertThat(create.getString("resource_id"), is(sourceId));
        assertThat(create.getInt("status"), is(201));
        assertThat(create.getString("key_id"), is("bootstrap"));
        assertThat(create.getString("key_name"), is("bootstrap"));
        assertThat(create.getString("role"), is("admin"));
        assertThat(create.getString("client"), is("127.0.0.1"));

        JsonObject denied = entry(entries, "audit-denied-1");
        assertThat(denied.getInt("status"), is(403));
        assertThat(denied.getString("key_id"), is(viewer.getString("id")));
        assertThat(denied.getString("resource_id"), is(sourceId));
        JsonObject anonymousEntry = entry(entries, "audit-anonymous-1");
        assertThat(anonymousEntry.getInt("status"), is(401));
        assertThat(anonymousEntry.containsKey("key_id"), is(false));
        assertThat("reads are not audited", entries.stream().map(e -> e.getString("request_id")).toList(), not(hasItem("audit-read-1")));
        assertThat("nor what no route served", entries.stream().map(e -> e.getString("request_id")).toList(),
                   not(hasItem("audit-unrouted-1")));
        assertThat(entries.stream().mapToLong(e -> e.getJsonNumber("seq").longValue()).boxed().toList(),
                   is(entries.stream().mapToLong(e -> e.getJsonNumber("seq").longValue()).sorted().boxed().toList()));
        assertThat("no body is audited", String.valueOf(entries), not(containsString("\"password\"")));

        JsonObject viewerAudit = seen(as(viewer).get("/api/v1/audit")).json();
        assertThat(viewerAudit.getString("detail"), containsString("audit:read"));
    }

    @Test
    void failuresAreCountedByReason() {
        seen(anonymous.get("/api/v1/sources"));
        seen(admin.get("/api/v1/sources", "Authorization", "Basic x"));
        String metrics = admin.get("/metrics").body();
        for (String reason : List.of("missing", "malformed")) {
            String line = metrics.lines().filter(l -> l.startsWith("philotes_auth_failures_total{reason=\"" + reason + "\"}"))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + reason + " counter in\n" + metrics));
            assertThat(line, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), greaterThan(0.0));
        }
        assertThat(seen(anonymous.get("/metrics")).status(), is(401));
    }

    private static JsonObject entry(List<JsonObject> entries, String requestId) {
        return entries.stream().filter(e -> e.getString("request_id").equals(requestId)).findFirst()
                .orElseThrow(() -> new AssertionError("no audit entry for " + requestId + " in " + entries));
    }
}
