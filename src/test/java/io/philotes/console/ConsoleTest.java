package io.philotes.console;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.TestApp;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

/** The console's files over HTTP (what a browser is told about them), and {@code GET /api/v1/me}, which the console signs in with. */
class ConsoleTest {
    private static TestApp app;
    private static ApiClient api;
    private static ApiClient anonymous;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of());
        api = app.client();
        anonymous = new ApiClient(app.port(), false).withKey(null);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void everyFileForbidsInlineScriptFramingSniffingAndReferrers() {
        for (String file : List.of("", "index.html", "app.js", "api.js", "dom.js", "sources.js", "pipelines.js", "admin.js", "console.css",
                                   "favicon.svg")) {
            ApiClient.Response r = anonymous.get("/ui/" + file);
            assertThat(file, r.status(), is(200));
            String csp = r.header("Content-Security-Policy").orElseThrow();
            assertThat(csp, containsString("default-src 'none'"));
            assertThat(csp, containsString("script-src 'self';"));
            assertThat(csp, containsString("style-src 'self';"));
            assertThat(csp, containsString("frame-ancestors 'none'"));
            assertThat(csp, containsString("form-action 'none'"));
            assertThat(csp, containsString("require-trusted-types-for 'script'; trusted-types 'none'"));
            assertThat(csp, not(containsString("unsafe")));
            assertThat(r.header("X-Content-Type-Options").orElseThrow(), is("nosniff"));
            assertThat(r.header("Referrer-Policy").orElseThrow(), is("no-referrer"));
            assertThat(r.header("X-Frame-Options").orElseThrow(), is("DENY"));
            assertThat(r.header("Cache-Control").orElseThrow(), is("no-cache"));
        }
        assertThat(anonymous.get("/ui/").header("Content-Type").orElseThrow(), is("text/html; charset=utf-8"));
        assertThat(anonymous.get("/ui/app.js").header("Content-Type").orElseThrow(), is("text/javascript; charset=utf-8"));
        assertThat(anonymous.get("/ui/console.css").header("Content-Type").orElseThrow(), is("text/css; charset=utf-8"));
    }

    @Test
    void noPageHasInlineScriptOrStyle() {
        for (String file : List.of("index.html")) {
            String html = anonymous.get("/ui/" + file).body();
            assertThat(html, not(containsString("<script>")));
            assertThat(html, not(containsString("style=")));
            assertThat(html, not(containsString("<style")));
            assertThat(html, not(matchesPattern("(?s).*\\son[a-z]+\\s*=.*")));
        }
        for (String js : List.of("app.js", "api.js", "dom.js", "sources.js", "pipelines.js", "admin.js")) {
            String code = anonymous.get("/ui/" + js).body();
            assertThat(js, code, not(containsString("innerHTML")));
            assertThat(js, code, not(containsString("outerHTML")));
            assertThat(js, code, not(containsString("insertAdjacentHTML")));
            assertThat(js, code, not(containsString("eval(")));
            assertThat(js, code, not(containsString("localStorage")));
            assertThat(js, code, not(containsString(".style")));
            assertThat(js, code, not(containsString("'style'")));
            assertThat(js, code, not(containsString("style:")));
            assertThat(js, code, not(containsString("document.write")));
        }
    }

    @Test
    void anUnchangedFileIsNotSentAgain() {
        ApiClient.Response first = anonymous.get("/ui/app.js");
        String etag = first.header("ETag").orElseThrow();
        ApiClient.Response again = anonymous.get("/ui/app.js", "If-None-Match", etag);
        assertThat(again.status(), is(304));
        assertThat(again.body(), is(""));
        assertThat(anonymous.get("/ui/app.js", "If-None-Match", "\"other\"").status(), is(200));
        assertThat(anonymous.get("/ui/app.js", "If-None-Match", "\"other\", W/" + etag).status(), is(304));
        assertThat(anonymous.get("/ui/app.js", "If-None-Match", "\"other\"", "If-None-Match", etag).status(), is(304));
        assertThat(anonymous.get("/ui/app.js", "If-None-Match", "*").status(), is(304));
        assertThat(anonymous.get("/ui/console.css", "If-None-Match", etag).status(), is(200));
    }

    @Test
    void headSaysWhatGetWouldSend() {
        ApiClient.Response get = anonymous.get("/ui/dom.js");
        ApiClient.Response head = anonymous.send("HEAD", "/ui/dom.js", null);
        assertThat(head.status(), is(200));
        assertThat(head.body(), is(""));
        assertThat(head.header("Content-Length").orElseThrow(), is(String.valueOf(get.body().getBytes(StandardCharsets.UTF_8).length)));
        assertThat(head.header("ETag"), is(get.header("ETag")));
        assertThat(head.header("Content-Security-Policy"), is(get.header("Content-Security-Policy")));
    }

    @Test
    void onlyTheConsolesOwnFilesAreServed() {
        for (String path : List.of("/ui/nothing.js", "/ui/%2e%2e%2fopenapi.yaml", "/ui/..%2F..%2Fpom.xml", "/ui/sub/app.js", "/ui/APP.JS")) {
            assertThat(path, anonymous.get(path).status(), is(404));
        }
        assertThat(anonymous.send("POST", "/ui/app.js", "{}").status(), is(405));
        ApiClient.Response root = anonymous.get("/");
        assertThat(root.status(), is(302));
        assertThat(root.header("Location").orElseThrow(), is("/ui/"));
        assertThat(anonymous.get("/ui").header("Location").orElseThrow(), is("/ui/"));
    }

    @Test
    void meSaysWhoTheKeyIsAndWhatItMayDo() {
        JsonObject admin = api.get("/api/v1/me").json();
        assertThat(admin.getString("role"), is("admin"));
        assertThat(admin.getBoolean("auth_enabled"), is(true));
        assertThat(admin.getJsonArray("permissions").getValuesAs(JsonString::getString).contains("keys:manage"), is(true));

        String secret = api.post("/api/v1/keys", "{\"name\":\"me-viewer\",\"role\":\"viewer\"}").json().getJsonObject("key").getString("secret");
        JsonObject viewer = api.withKey(secret).get("/api/v1/me").json();
        assertThat(viewer.getString("key_name"), is("me-viewer"));
        assertThat(viewer.getString("key_id"), is(secret.split("_")[1]));
        assertThat(viewer.getJsonArray("permissions").getValuesAs(JsonString::getString),
                   is(List.of("session:read", "metrics:read", "sources:read", "pipelines:read", "consumers:read", "schema:read")));
        assertThat(viewer.toString(), not(containsString(secret)));
        assertThat(anonymous.get("/api/v1/me").status(), is(401));
    }

    @Test
    void withAccessControlOffEveryoneIsAnUncheckedAdmin() {
        try (TestApp open = TestApp.start(Map.of("auth.enabled", "false"))) {
            JsonObject me = new ApiClient(open.port()).withKey(null).get("/api/v1/me").json();
            assertThat(me.getBoolean("auth_enabled"), is(false));
            assertThat(me.getString("role"), is("admin"));
            assertThat(me.containsKey("key_id"), is(false));
        }
    }
}
