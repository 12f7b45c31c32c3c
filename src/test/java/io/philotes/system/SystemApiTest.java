package io.philotes.system;

import java.time.OffsetDateTime;

import io.philotes.support.ApiClient;
import io.philotes.support.LogCapture;
import io.philotes.support.PhilotesTest;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** The system endpoints and the HTTP framework of the contract, through real HTTP. */
@PhilotesTest(config = {"db.password=" + SystemApiTest.PASSWORD, "http.body.limit=1024", "http.cors.origins=https://dashboard.example"})
class SystemApiTest {
    static final String PASSWORD = "metadata-pw-7f3c1a";
    private static final LogCapture LOGS = LogCapture.start();
    private static ApiClient api;

    @BeforeAll
    static void start(ApiClient client) {
        api = client;
    }

    @AfterAll
    static void stop() {
        LOGS.close();
    }

    @Test
    void healthReportsItsComponents() {
        ApiClient.Response r = api.get("/health");
        assertThat(r.status(), is(200));
        JsonObject body = r.json();
        assertThat(body.getString("status"), is("healthy"));
        assertThat(body.getJsonObject("components").getJsonObject("database").getString("status"), is("healthy"));
        OffsetDateTime.parse(body.getString("timestamp"));
    }

    @Test
    void livenessAndReadiness() {
        assertThat(api.get("/health/live").json().getString("status"), is("alive"));
        ApiClient.Response ready = api.get("/health/ready");
        assertThat(ready.status(), is(200));
        assertThat(ready.json().getString("status"), is("ready"));
    }

    @Test
    void versionHasRealBuildValues() {
        JsonObject v = api.get("/api/v1/version").json();
        assertThat(v.getString("api_version"), is("v1"));
        assertThat(v.getString("version"), matchesPattern("\\d+\\.\\d+\\.\\d+.*"));
        assertThat(v.getString("java_version"), is(Runtime.version().toString()));
        OffsetDateTime.parse(v.getString("build_time"));
        assertThat(v.getString("git_commit"), matchesPattern("[0-9a-f]{12}(-dirty)?"));
    }

    @Test
    void configShowsNoSecret() {
        ApiClient.Response r = api.get("/api/v1/config");
        assertThat(r.status(), is(200));
        assertThat(r.body(), not(containsString(PASSWORD)));
        assertThat(r.json().getJsonObject("database").getString("mode"), is("external"));
        assertThat(r.json().getJsonObject("http").getInt("body_limit"), is(1024));
        assertThat(LOGS.text(), not(containsString(PASSWORD)));
    }

    @Test
    void openApiDocumentIsServed() {
        ApiClient.Response r = api.get("/openapi");
        assertThat(r.status(), is(200));
        assertThat(r.header("Content-Type").orElseThrow(), startsWith("application/yaml"));
        assertThat(r.body(), startsWith("openapi: 3.1.0"));
        assertThat(api.get("/openapi.yaml").body(), is(r.body()));
    }

    @Test
    void unknownRouteIsANotFoundProblem() {
        ApiClient.Response r = api.get("/api/v1/nothing-here");
        assertThat(r.status(), is(404));
        assertThat(r.problemSlug(), is("not-found"));
        assertThat(r.json().getString("instance"), is("/api/v1/nothing-here"));
        assertThat(r.json().getString("title"), is("Not found"));
        assertThat(api.get("/nothing-here").problemSlug(), is("not-found"));
    }

    @Test
    void wrongMethodIsAMethodNotAllowedProblemWithAllow() {
        ApiClient.Response r = api.send("DELETE", "/health/ready", null);
        assertThat(r.status(), is(405));
        assertThat(r.problemSlug(), is("method-not-allowed"));
        assertThat(r.header("Allow").orElseThrow(), is("GET"));
        assertThat(r.json().getString("instance"), is("/health/ready"));
        assertThat(api.post("/api/v1/version", "{}").status(), is(405));
    }

    @Test
    void wellFormedRequestIdIsEchoedAndOthersReplaced() {
        assertThat(api.get("/health/live", "X-Request-ID", "abc-123:x.y_z").header("X-Request-ID").orElseThrow(), is("abc-123:x.y_z"));
        String replaced = api.get("/health/live", "X-Request-ID", "has space").header("X-Request-ID").orElseThrow();
        assertThat(replaced, matchesPattern("[0-9a-f-]{36}"));
        String tooLong = "a".repeat(129);
        assertThat(api.get("/health/live", "X-Request-ID", tooLong).header("X-Request-ID").orElseThrow(), matchesPattern("[0-9a-f-]{36}"));
        ApiClient.Response problem = api.get("/nope", "X-Request-ID", "trace-42");
        assertThat(problem.json().getString("request_id"), is("trace-42"));
    }

    @Test
    void everyRequestGetsOneAccessLogLine() throws InterruptedException {
        api.get("/health/live", "X-Request-ID", "access-log-probe");
        // The line is written once the response has gone out; give the server thread a moment.
        for (int i = 0; i < 50 && !LOGS.text().contains("request_id=access-log-probe"); i++) {
            Thread.sleep(20);
        }
        String line = LOGS.lines().stream().filter(l -> l.contains("request_id=access-log-probe")).findFirst().orElseThrow();
        assertThat(line, containsString("GET /health/live 200"));
        assertThat(line, containsString("client=127.0.0.1"));
        assertThat(line, matchesPattern("(?s).* \\d+\\.\\dms .*"));
        assertThat(LOGS.lines().stream().filter(l -> l.contains("request_id=access-log-probe")).count(), is(1L));
    }

    @Test
    void corsPreflightIsAnswered() {
        ApiClient.Response r = api.send("OPTIONS", "/api/v1/version", null,
                "Origin", "https://dashboard.example", "Access-Control-Request-Method", "PUT",
                "Access-Control-Request-Headers", "If-Match");
        assertThat(r.status(), is(204));
        assertThat(r.header("Access-Control-Allow-Origin").orElseThrow(), is("https://dashboard.example"));
        assertThat(r.header("Vary").orElseThrow(), is("Origin"));
        assertThat(r.header("Access-Control-Allow-Methods").orElseThrow(), is("GET, POST, PUT, PATCH, DELETE, OPTIONS"));
        assertThat(r.header("Access-Control-Allow-Headers").orElseThrow(), containsString("If-Match"));
        assertThat(r.header("Access-Control-Max-Age").orElseThrow(), is("43200"));
    }

    @Test
    void corsHeadersOnOrdinaryResponses() {
        ApiClient.Response r = api.get("/api/v1/version", "Origin", "https://dashboard.example");
        assertThat(r.header("Access-Control-Allow-Origin").orElseThrow(), is("https://dashboard.example"));
        assertThat(r.header("Access-Control-Expose-Headers").orElseThrow(), is("X-Request-ID, ETag, Location"));
        assertThat(api.get("/api/v1/version").header("Access-Control-Allow-Origin").isPresent(), is(false));
        ApiClient.Response other = api.get("/api/v1/version", "Origin", "https://evil.example");
        assertThat(other.header("Access-Control-Allow-Origin").isPresent(), is(false));
        assertThat(api.send("OPTIONS", "/api/v1/version", null, "Origin", "https://evil.example", "Access-Control-Request-Method", "PUT")
                .status(), is(403));
    }

    @Test
    void oversizedBodyIsRejected() {
        ApiClient.Response r = api.post("/api/v1/version", "{\"x\":\"" + "a".repeat(2000) + "\"}");
        assertThat(r.status(), is(413));
        assertThat(r.problemSlug(), is("payload-too-large"));
        assertThat(r.json().getString("detail"), containsString("1024"));
    }
}
