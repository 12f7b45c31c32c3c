package io.philotes.support;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Talks to a running service over real HTTP, and checks every response against the OpenAPI document
 * (see {@link ContractChecker}) and the rules that hold for every response.
 */
public final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final String base;
    private final boolean checkContract;
    private final String key;

    /**
     * A client of a test service, sending its admin key.
     *
     * @param port server port
     */
    public ApiClient(int port) {
        this(port, true);
    }

    /**
     * A client for a server that is not the API (framework tests); it still checks the rules every
     * response follows, but not the OpenAPI document.
     *
     * @param port          server port
     * @param checkContract whether to check responses against the OpenAPI document
     */
    public ApiClient(int port, boolean checkContract) {
        this("http://localhost:" + port, checkContract, TestApp.ADMIN_KEY);
    }

    private ApiClient(String base, boolean checkContract, String key) {
        this.base = base;
        this.checkContract = checkContract;
        this.key = key;
    }

    /**
     * The key this client sends.
     *
     * @return the key, or null
     */
    public String key() {
        return key;
    }

    /**
     * The same client with another key.
     *
     * @param apiKey the key it sends as {@code Authorization: Bearer}, or null to send none
     * @return the client
     */
    public ApiClient withKey(String apiKey) {
        return new ApiClient(base, checkContract, apiKey);
    }

    public Response get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    public Response post(String path, String json, String... headers) {
        return send("POST", path, json, withJson(headers));
    }

    public Response put(String path, String json, String... headers) {
        return send("PUT", path, json, withJson(headers));
    }

    public Response patch(String path, String json, String... headers) {
        return send("PATCH", path, json, withJson(headers));
    }

    public Response delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    /**
     * Sends any request.
     *
     * @param method  HTTP method
     * @param path    path and query
     * @param body    body text, or null for none
     * @param headers name, value, name, value...
     * @return the checked response
     */
    public Response send(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        boolean credentials = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            credentials |= headers[i].equalsIgnoreCase("Authorization") || headers[i].equalsIgnoreCase("X-API-Key");
        }
        if (key != null && !credentials) {
            request.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Response r = new Response(response);
            r.checkContract(method, path, checkContract);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String[] withJson(String[] headers) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase("Content-Type")) {
                return headers;
            }
        }
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return all;
    }

    /** One response, already checked against the contract. */
    public static final class Response {
        private final HttpResponse<String> raw;

        Response(HttpResponse<String> raw) {
            this.raw = raw;
        }

        public int status() {
            return raw.statusCode();
        }

        public String body() {
            return raw.body();
        }

        public Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }

        public List<String> headers(String name) {
            return raw.headers().allValues(name);
        }

        public JsonObject json() {
            return Json.createReader(new StringReader(raw.body())).readObject();
        }

        /** The problem slug, e.g. {@code not-found}. */
        public String problemSlug() {
            return json().getString("type").substring("https://philotes.io/errors/".length());
        }

        @Override
        public String toString() {
            return raw.statusCode() + " " + raw.headers().firstValue("Content-Type").orElse("") + " " + raw.body();
        }

        void checkContract(String method, String pathAndQuery, boolean againstDocument) {
            String path = pathAndQuery.split("\\?", 2)[0];
            if (header("X-Request-ID").isEmpty()) {
                fail(method + " " + path + ": no X-Request-ID header");
            }
            String type = header("Content-Type").orElse(null);
            boolean problem = type != null && type.startsWith("application/problem+json");
            if (problem && !json().getString("request_id").equals(header("X-Request-ID").orElseThrow())) {
                fail(method + " " + path + ": problem request_id differs from X-Request-ID");
            }
            if (!againstDocument) {
                if (status() >= 400 && !problem) {
                    fail(method + " " + path + ": error " + status() + " is not application/problem+json: " + this);
                }
                return;
            }
            if ("OPTIONS".equals(method) || "HEAD".equals(method)) {
                return;
            }
            List<String> errors = ContractChecker.instance().check(method, path, status(), type, body());
            if (!errors.isEmpty()) {
                fail("Response breaks the OpenAPI contract:\n  " + String.join("\n  ", errors) + "\nresponse: " + this);
            }
        }
    }
}
