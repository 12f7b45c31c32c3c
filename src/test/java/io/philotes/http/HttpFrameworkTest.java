package io.philotes.http;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.philotes.net.TrustedProxies;
import io.philotes.support.ApiClient;
import io.philotes.support.LogCapture;
import jakarta.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The framework pieces that resources share, on a server with the production filters and two probe
 * routes: one that reads a JSON body and one that fails unexpectedly.
 */
class HttpFrameworkTest {
    private static final String SECRET_IN_EXCEPTION = "internal-detail-5b1e";
    private static WebServer server;
    private static ApiClient api;
    private static LogCapture logs;

    @BeforeAll
    static void start() {
        logs = LogCapture.start();
        HttpJson json = new HttpJson(64);
        server = WebServer.builder()
                .port(0)
                .host("127.0.0.1")
                .directHandlers(Problems.directHandlers())
                .routing(HttpRouting.builder()
                                 .addFilter(new AccessLog(TrustedProxies.none(), entry -> { }))
                                 .addFilter(new RequestGuards(64, () -> true))
                                 .post("/echo", (req, res) -> HttpJson.send(res, 200, json.readObject(req)))
                                 .get("/boom", (req, res) -> {
                                     throw new IllegalStateException(SECRET_IN_EXCEPTION);
                                 })
                                 .error(Throwable.class, Problems::handle)
                                 .any(Problems::notFound))
                .build()
                .start();
        api = new ApiClient(server.port(), false);
    }

    @AfterAll
    static void stop() {
        server.stop();
        logs.close();
    }

    @Test
    void nonJsonContentTypeIsUnsupportedMediaType() {
        ApiClient.Response r = api.post("/echo", "a=b", "Content-Type", "application/x-www-form-urlencoded");
        assertThat(r.status(), is(415));
        assertThat(r.problemSlug(), is("unsupported-media-type"));
        assertThat(api.send("POST", "/echo", "{}").problemSlug(), is("unsupported-media-type"));
    }

    @Test
    void malformedJsonIsABadRequest() {
        ApiClient.Response r = api.post("/echo", "{\"a\": ");
        assertThat(r.status(), is(400));
        assertThat(r.problemSlug(), is("bad-request"));
        assertThat(r.json().getString("detail"), containsString("not valid JSON"));
        assertThat(api.post("/echo", "[1,2]").problemSlug(), is("bad-request"));
        assertThat(api.post("/echo", "").problemSlug(), is("bad-request"));
        assertThat(api.post("/echo", "{\"a\":1} trailing").problemSlug(), is("bad-request"));
    }

    @Test
    void chunkedBodyOverTheLimitIsPayloadTooLarge() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            String chunk = "{\"a\":\"" + "x".repeat(100) + "\"}";
            out.write(("POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readNBytes(2048), StandardCharsets.UTF_8);
            assertThat(response, containsString("HTTP/1.1 413"));
            assertThat(response, containsString("application/problem+json"));
            assertThat(response, containsString("payload-too-large"));
        }
    }

    @Test
    void validJsonObjectIsRead() {
        ApiClient.Response r = api.post("/echo", "{\"a\":1}", "Content-Type", "application/merge-patch+json");
        assertThat(r.status(), is(200));
        assertThat(r.json(), is(Json.createObjectBuilder().add("a", 1).build()));
    }

    @Test
    void unexpectedFailureIsAGenericInternalError() {
        ApiClient.Response r = api.get("/boom", "X-Request-ID", "boom-1");
        assertThat(r.status(), is(500));
        assertThat(r.problemSlug(), is("internal-error"));
        assertThat(r.body(), not(containsString(SECRET_IN_EXCEPTION)));
        assertThat(r.body(), not(containsString("IllegalStateException")));
        assertThat(r.json().getString("detail"), containsString("boom-1"));
        assertThat(logs.text(), containsString("Request boom-1 failed unexpectedly"));
    }

    @Test
    void malformedHttpIsAProblemToo() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readNBytes(2048), StandardCharsets.UTF_8);
            assertThat(response, containsString("HTTP/1.1 400"));
            assertThat(response, containsString("application/problem+json"));
            assertThat(response, containsString("bad-request"));
        }
    }
}
