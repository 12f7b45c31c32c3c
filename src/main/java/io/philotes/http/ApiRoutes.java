package io.philotes.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.Endpoint;
import io.philotes.core.PageRequest;
import jakarta.json.JsonObject;

/**
 * The routing table: every route of the service with its handler, registered in the order given. Each path
 * also answers its other methods with 405 and {@code Allow}. Plain-Java endpoints get their request read and
 * their response written here, so the features below know nothing of HTTP.
 */
public final class ApiRoutes implements HttpService {
    private final HttpJson json;
    private final Map<String, Map<Method, Handler>> routes = new LinkedHashMap<>();

    private ApiRoutes(HttpJson json) {
        this.json = json;
    }

    /**
     * An empty table.
     *
     * @param json reads request bodies
     * @return the table
     */
    public static ApiRoutes create(HttpJson json) {
        return new ApiRoutes(json);
    }

    public ApiRoutes get(String path, Endpoint endpoint) {
        return route(Method.GET, path, endpoint);
    }

    public ApiRoutes post(String path, Endpoint endpoint) {
        return route(Method.POST, path, endpoint);
    }

    public ApiRoutes put(String path, Endpoint endpoint) {
        return route(Method.PUT, path, endpoint);
    }

    public ApiRoutes patch(String path, Endpoint endpoint) {
        return route(Method.PATCH, path, endpoint);
    }

    public ApiRoutes delete(String path, Endpoint endpoint) {
        return route(Method.DELETE, path, endpoint);
    }

    /**
     * A route whose handler writes the response itself (documents that are not JSON).
     *
     * @param method  the method
     * @param path    the path
     * @param handler the Helidon handler
     * @return this table
     */
    public ApiRoutes handler(Method method, String path, Handler handler) {
        if (routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).putIfAbsent(method, handler) != null) {
            throw new IllegalStateException(method.text() + " " + path + " is routed twice");
        }
        return this;
    }

    private ApiRoutes route(Method method, String path, Endpoint endpoint) {
        return handler(method, path, (req, res) -> send(res, endpoint.handle(new Request(req))));
    }

    /*
     * Registered as one nested service per resource (/api/v1/sources, /health, ...): the router then skips a
     * whole resource by its prefix instead of trying each of its patterns (measured: 8% of the CPU of a
     * read went to walking a flat list of 30 routes).
     */
    @Override
    public void routing(HttpRules rules) {
        Map<String, Map<String, Map<Method, Handler>>> resources = new LinkedHashMap<>();
        routes.forEach((path, methods) -> {
            String resource = resource(path);
            String rest = path.substring(resource.length());
            resources.computeIfAbsent(resource, r -> new LinkedHashMap<>()).put(rest.isEmpty() ? "/" : rest, methods);
        });
        resources.forEach((resource, paths) -> rules.register(resource, (HttpService) resourceRules -> paths.forEach((path, methods) -> {
            methods.forEach((method, handler) -> resourceRules.route(method, path, handler));
            resourceRules.any(path, Problems.allow(methods.keySet().toArray(Method[]::new)));
        })));
    }

    /* The resource a path belongs to: /api/v1/<name>, or the first segment outside the API. */
    private static String resource(String path) {
        int segments = path.startsWith("/api/") ? 3 : 1;
        int end = 0;
        for (int i = 0; i < segments && end >= 0; i++) {
            end = path.indexOf('/', end + 1);
        }
        return end < 0 ? path : path.substring(0, end);
    }

    private static void send(ServerResponse res, ApiResponse response) {
        if (response.location() != null) {
            res.header(HeaderNames.LOCATION, response.location());
        }
        response.version().ifPresent(version -> Versions.etag(res, version));
        if (response.body() == null) {
            res.status(Status.create(response.status())).send();
        } else {
            HttpJson.send(res, response.status(), response.body());
        }
    }

    /* A Helidon request in the API's terms; each part is read only when the endpoint asks for it. */
    private final class Request implements ApiRequest {
        private final ServerRequest req;

        Request(ServerRequest req) {
            this.req = req;
        }

        @Override
        public UUID pathId(String name) {
            return RequestIds.path(req, name);
        }

        @Override
        public Optional<String> query(String name) {
            return req.query().contains(name) ? Optional.of(req.query().get(name)) : Optional.empty();
        }

        @Override
        public UUID queryId(String name) {
            return RequestIds.query(req, name);
        }

        @Override
        public PageRequest page() {
            return PageRequest.parse(query("limit").orElse(null), query("cursor").orElse(null));
        }

        @Override
        public JsonObject body() {
            return json.readObject(req);
        }

        @Override
        public OptionalInt ifMatch() {
            return Versions.ifMatch(req);
        }
    }

}
