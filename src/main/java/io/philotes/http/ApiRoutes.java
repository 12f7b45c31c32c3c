package io.philotes.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.auth.Authentication;
import io.philotes.auth.Denial;
import io.philotes.auth.Denials;
import io.philotes.auth.Permission;
import io.philotes.auth.Principal;
import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.Endpoint;
import io.philotes.core.PageRequest;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * The routing table: every route of the service with the one permission it needs and its handler, registered
 * in the order given. Before a handler runs, the request's key (see {@link Authenticator}) must hold the
 * route's permission: 401 without a valid key, 403 without the permission. Each path also answers its other
 * methods with 405 and {@code Allow}. Plain-Java endpoints get their request read and their response written
 * here, so the features below know nothing of HTTP.
 */
public final class ApiRoutes implements HttpService {
    private final HttpJson json;
    private final Denials denials;
    private final Map<String, Map<Method, Handler>> routes = new LinkedHashMap<>();
    private final List<Route> table = new ArrayList<>();

    private ApiRoutes(HttpJson json, Denials denials) {
        this.json = json;
        this.denials = denials;
    }

    /**
     * One route of the table.
     *
     * @param method     its method
     * @param path       its path, with {@code {parameters}}
     * @param permission what it needs
     */
    public record Route(Method method, String path, Permission permission) {
    }

    /**
     * An empty table.
     *
     * @param json    reads request bodies
     * @param denials counts the requests turned away
     * @return the table
     */
    public static ApiRoutes create(HttpJson json, Denials denials) {
        return new ApiRoutes(json, denials);
    }

    public ApiRoutes get(String path, Permission permission, Endpoint endpoint) {
        return route(Method.GET, path, permission, endpoint);
    }

    public ApiRoutes post(String path, Permission permission, Endpoint endpoint) {
        return route(Method.POST, path, permission, endpoint);
    }

    public ApiRoutes put(String path, Permission permission, Endpoint endpoint) {
        return route(Method.PUT, path, permission, endpoint);
    }

    public ApiRoutes patch(String path, Permission permission, Endpoint endpoint) {
        return route(Method.PATCH, path, permission, endpoint);
    }

    public ApiRoutes delete(String path, Permission permission, Endpoint endpoint) {
        return route(Method.DELETE, path, permission, endpoint);
    }

    /**
     * A route whose handler writes the response itself (documents that are not JSON).
     *
     * @param method     the method
     * @param path       the path
     * @param permission what it needs
     * @param handler    the Helidon handler
     * @return this table
     */
    public ApiRoutes handler(Method method, String path, Permission permission, Handler handler) {
        Handler guarded = (req, res) -> {
            if (req.prologue().method() != Method.GET) {
                audited(req);
            }
            if (permission != Permission.PUBLIC) {
                authorize(req, permission);
                // What a key may read is for that key: no shared cache keeps it.
                res.header(HeaderNames.CACHE_CONTROL, "no-store");
            }
            handler.handle(req, res);
        };
        if (routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).putIfAbsent(method, guarded) != null) {
            throw new IllegalStateException(method.text() + " " + path + " is routed twice");
        }
        table.add(new Route(method, path, permission));
        return this;
    }

    /**
     * Every route, in the order given.
     *
     * @return the routes with their permissions
     */
    public List<Route> table() {
        return List.copyOf(table);
    }

    private ApiRoutes route(Method method, String path, Permission permission, Endpoint endpoint) {
        return handler(method, path, permission, (req, res) -> {
            ApiResponse response = endpoint.handle(new Request(req));
            if (response.location() != null) {
                req.context().register(new AuditTarget(response.location().substring(response.location().lastIndexOf('/') + 1)));
            }
            send(res, response);
        });
    }

    /* The one rule of every route but the public ones: a valid key that holds its permission. */
    private void authorize(ServerRequest req, Permission permission) {
        Authentication authentication = req.context().get(Credentials.class).map(Credentials::authentication).orElse(Denial.missing());
        Optional<Denial> denial = switch (authentication) {
            case Denial d -> Optional.of(d);
            case Principal p -> p.denial(permission, () -> RequestIds.path(req, "id"));
        };
        if (denial.isPresent()) {
            audited(req);
            throw denials.count(denial.get());
        }
        req.context().register((Principal) authentication);
    }

    /**
     * Whether the request's key still holds a permission: a long response (an event stream) asks from time to time,
     * so that a key revoked or expired while it lasts stops getting data.
     *
     * @param req        the request
     * @param permission the route's permission
     * @return why it no longer does, or empty
     */
    public static Optional<Denial> recheck(ServerRequest req, Permission permission) {
        Authentication authentication = req.context().get(Credentials.class).map(Credentials::recheck).orElse(Denial.missing());
        return switch (authentication) {
            case Denial d -> Optional.of(d);
            case Principal p -> p.denial(permission, () -> RequestIds.path(req, "id"));
        };
    }

    /**
     * Who sent a request, for limits per caller.
     *
     * @param req the request
     * @return the id of its API key, or its peer's address when it carried none (access control off)
     */
    public static String caller(ServerRequest req) {
        return req.context().get(Credentials.class).flatMap(Credentials::checked).map(Principal::keyId)
                .orElseGet(() -> "address " + req.remotePeer().host());
    }

    /* Marks the request for the audit log, with the resource it is about: a mapping's id, else the path's id. */
    private static void audited(ServerRequest req) {
        Parameters parameters = req.path().pathParameters();
        String id = parameters.contains("mapping_id") ? parameters.get("mapping_id") : parameters.contains("id") ? parameters.get("id") : null;
        req.context().register(new AuditTarget(id));
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
        public String path(String name) {
            return req.path().pathParameters().get(name);
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
        public String caller() {
            return ApiRoutes.caller(req);
        }

        @Override
        public <T> Optional<T> fact(Class<T> type) {
            return req.context().get(type);
        }

        @Override
        public JsonObject optionalBody() {
            return req.content().hasEntity() ? json.readObject(req) : JsonValue.EMPTY_JSON_OBJECT;
        }

        @Override
        public OptionalInt ifMatch() {
            return Versions.ifMatch(req);
        }
    }

}
