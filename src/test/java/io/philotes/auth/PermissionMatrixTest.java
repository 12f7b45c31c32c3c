package io.philotes.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.philotes.http.ApiRoutes;
import io.philotes.support.ApiClient;
import io.philotes.support.ContractChecker;
import io.philotes.support.EventStreamClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * Every route of the routing table times every kind of caller - no key, each role, and a consumer key on its own
 * pipeline and on another - gives what the roles promise: 2xx when allowed, 401 without a key, 403 without the
 * permission. The routes come from the running service's table, so a route added without a recipe here fails,
 * and the grants are written out again below from the words, so a permission given to the wrong role
 * fails too. The OpenAPI document must name the same permission for every operation.
 */
@PhilotesTest(config = {"pipelines.supervise.interval=1h"})
class PermissionMatrixTest {
    /* The roles as the access-control issue defines them, independent of Permission's own lists. */
    private static final Map<String, Set<String>> GRANTS = Map.ofEntries(
            Map.entry("session:read", Set.of("admin", "operator", "viewer", "consumer")),
            Map.entry("keys:manage", Set.of("admin")),
            Map.entry("audit:read", Set.of("admin")),
            Map.entry("config:read", Set.of("admin", "operator")),
            Map.entry("metrics:read", Set.of("admin", "operator", "viewer")),
            Map.entry("sources:read", Set.of("admin", "operator", "viewer")),
            Map.entry("sources:write", Set.of("admin", "operator")),
            Map.entry("sources:connect", Set.of("admin", "operator")),
            Map.entry("pipelines:read", Set.of("admin", "operator", "viewer")),
            Map.entry("pipelines:write", Set.of("admin", "operator")),
            Map.entry("events:read", Set.of("admin", "operator", "consumer")),
            Map.entry("consumers:read", Set.of("admin", "operator", "viewer", "consumer")),
            Map.entry("consumers:write", Set.of("admin", "operator", "consumer")),
            Map.entry("schema:read", Set.of("admin", "operator", "viewer", "consumer")));
    /* What a consumer key holds on its own pipelines only. */
    private static final Set<String> PIPELINE_SCOPED = Set.of("events:read", "consumers:read", "consumers:write", "schema:read");
    private static final List<String> CALLERS = List.of("none", "admin", "operator", "viewer", "consumer", "consumer-elsewhere");

    private static TestApp app;
    private static ApiClient admin;
    private static SourceServers.Server server;
    private static String db;
    private static String sourceId;
    private static String pipelineId;
    private static String otherPipelineId;
    private static final Map<String, ApiClient> CLIENTS = new LinkedHashMap<>();
    private static int names;

    /** One request of a cell: its path (ids filled in) and body. */
    private record Call(String path, String body) {
    }

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        server = source;
        admin = started.client();
        db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.items (id int PRIMARY KEY, note text); CREATE TABLE public.more (id int PRIMARY KEY)");
        sourceId = source();
        pipelineId = pipeline(false);
        otherPipelineId = pipeline(false);
        for (String pipeline : List.of(pipelineId, otherPipelineId)) {
            consumer(pipeline, "fixed");
            assertThat(admin.post("/api/v1/pipelines/" + pipeline + "/sinks", sinkJson("fixed")).status(), is(201));
        }
        CLIENTS.put("none", admin.withKey(null));
        CLIENTS.put("admin", admin);
        for (String role : List.of("operator", "viewer")) {
            CLIENTS.put(role, keyed(role, ""));
        }
        CLIENTS.put("consumer", keyed("consumer", ",\"pipeline_ids\":[\"" + pipelineId + "\"]"));
        CLIENTS.put("consumer-elsewhere", keyed("consumer", ",\"pipeline_ids\":[\"" + otherPipelineId + "\"]"));
    }

    @Test
    void everyRouteTimesEveryCallerGivesWhatTheRolesPromise() {
        List<ApiRoutes.Route> routes = app.philotes().routes();
        Map<String, Function<Boolean, Call>> recipes = recipes();
        List<String> failures = new ArrayList<>();
        int cells = 0;
        for (ApiRoutes.Route route : routes) {
            String name = route.method().text() + " " + route.path();
            Function<Boolean, Call> recipe = recipes.get(name);
            if (recipe == null) {
                failures.add(name + ": no recipe in this test - add one, with the permission the route needs");
                continue;
            }
            String permission = route.permission().text();
            if (!permission.equals("public") && !GRANTS.containsKey(permission)) {
                failures.add(name + ": permission " + permission + " is not one the roles define");
                continue;
            }
            Set<String> documented = ContractChecker.instance().permissions(route.method().text(), route.path());
            Set<String> expectedDoc = permission.equals("public") ? Set.of() : Set.of(permission);
            if (!documented.equals(expectedDoc)) {
                failures.add(name + ": the OpenAPI document names " + documented + ", the routing table " + permission);
            }
            for (String caller : CALLERS) {
                int expected = expected(permission, caller);
                Call call = recipe.apply(expected < 300);
                if (caller.equals("consumer-elsewhere") || caller.equals("consumer")) {
                    // A consumer's own pipeline is the fixture's; the other consumer's is not.
                    call = new Call(call.path().replace(otherPipelineId, pipelineId), call.body());
                }
                Object response;
                int status;
                if (route.path().endsWith("/events/stream")) {
                    // A stream that opens does not end: its status is all this cell looks at.
                    try (EventStreamClient stream = new EventStreamClient(app.port(), call.path(), CLIENTS.get(caller).key())) {
                        status = stream.status();
                        response = status;
                    }
                } else {
                    ApiClient.Response r = CLIENTS.get(caller).send(route.method().text(), call.path(), call.body(), "Content-Type",
                                                                    "application/json");
                    status = r.status();
                    response = r;
                }
                cells++;
                boolean ok = expected < 300 ? status >= 200 && status < 300 : status == expected;
                if (!ok) {
                    failures.add(name + " as " + caller + ": expected " + (expected < 300 ? "2xx" : expected) + ", got " + response);
                }
            }
        }
        assertThat(routes.size() + " routes x " + CALLERS.size() + " callers = " + cells + " cells; failures:\n" + String.join("\n", failures),
                   failures, is(empty()));
        assertThat(cells, is(routes.size() * CALLERS.size()));
    }

    /* 2xx (as 200), 401 or 403, from the grants alone. */
    private static int expected(String permission, String caller) {
        if (permission.equals("public")) {
            return 200;
        }
        if (caller.equals("none")) {
            return 401;
        }
        String role = caller.startsWith("consumer") ? "consumer" : caller;
        if (!GRANTS.get(permission).contains(role)) {
            return 403;
        }
        return caller.equals("consumer-elsewhere") && PIPELINE_SCOPED.contains(permission) ? 403 : 200;
    }

    /* How to call each route so that an allowed caller gets 2xx; fresh resources where the call uses one up. */
    private static Map<String, Function<Boolean, Call>> recipes() {
        Map<String, Function<Boolean, Call>> r = new LinkedHashMap<>();
        String sources = "/api/v1/sources";
        String pipelines = "/api/v1/pipelines";
        for (String path : List.of("/health", "/health/live", "/health/ready", "/metrics", "/openapi", "/openapi.yaml", "/api/v1/version",
                                   "/api/v1/config", "/api/v1/me", "/api/v1/keys", "/api/v1/audit", sources, pipelines)) {
            r.put("GET " + path, allowed -> new Call(path, null));
        }
        r.put("POST /api/v1/keys", allowed -> new Call("/api/v1/keys", "{\"name\":\"matrix-" + (++names) + "\",\"role\":\"viewer\"}"));
        r.put("GET /api/v1/keys/{id}", allowed -> new Call("/api/v1/keys/bootstrap", null));
        r.put("DELETE /api/v1/keys/{id}", allowed -> new Call("/api/v1/keys/" + keyId(), null));
        r.put("POST " + sources, allowed -> new Call(sources, SourceJson.named("matrix-" + (++names), 5432).toString()));
        r.put("POST /api/v1/sources/test", allowed -> new Call("/api/v1/sources/test",
                                                               SourceJson.on(server, db, "postgres", "").build().toString()));
        r.put("GET /api/v1/sources/{id}", allowed -> new Call(sources + "/" + sourceId, null));
        r.put("PUT /api/v1/sources/{id}", allowed -> new Call(sources + "/" + sourceId, "{\"name\":\"matrix-" + (++names) + "\"}"));
        r.put("DELETE /api/v1/sources/{id}", allowed -> new Call(sources + "/" + (allowed ? source() : sourceId), null));
        r.put("POST /api/v1/sources/{id}/test", allowed -> new Call(sources + "/" + sourceId + "/test", null));
        r.put("GET /api/v1/sources/{id}/tables", allowed -> new Call(sources + "/" + sourceId + "/tables", null));
        r.put("POST " + pipelines, allowed -> new Call(pipelines, "{\"name\":\"matrix-" + (++names) + "\",\"source_id\":\"" + sourceId
                + "\",\"tables\":[{\"table\":\"items\"}]}"));
        for (String sub : List.of("", "/status", "/events", "/events/stream", "/schema", "/tables")) {
            r.put("GET /api/v1/pipelines/{id}" + sub, allowed -> new Call(pipelines + "/" + otherPipelineId + sub, null));
        }
        r.put("PUT /api/v1/pipelines/{id}", allowed -> new Call(pipelines + "/" + otherPipelineId, "{\"name\":\"matrix-" + (++names) + "\"}"));
        r.put("DELETE /api/v1/pipelines/{id}", allowed -> new Call(pipelines + "/" + (allowed ? pipeline(false) : otherPipelineId), null));
        r.put("POST /api/v1/pipelines/{id}/start", allowed -> new Call(pipelines + "/" + (allowed ? pipeline(false) : otherPipelineId)
                + "/start", null));
        r.put("POST /api/v1/pipelines/{id}/stop", allowed -> new Call(pipelines + "/" + (allowed ? pipeline(true) : otherPipelineId)
                + "/stop", null));
        r.put("POST /api/v1/pipelines/{id}/resnapshot", allowed -> new Call(pipelines + "/" + (allowed ? stopped() : otherPipelineId)
                + "/resnapshot", null));
        r.put("POST /api/v1/pipelines/{id}/tables", allowed -> new Call(pipelines + "/" + (allowed ? pipeline(false) : otherPipelineId)
                + "/tables", "{\"table\":\"more\"}"));
        r.put("GET /api/v1/pipelines/{id}/tables/{mapping_id}", allowed -> new Call(mapping(otherPipelineId), null));
        r.put("PATCH /api/v1/pipelines/{id}/tables/{mapping_id}", allowed -> new Call(mapping(otherPipelineId), "{\"enabled\":true}"));
        r.put("POST /api/v1/pipelines/{id}/tables/{mapping_id}/resnapshot", allowed -> new Call(mapping(otherPipelineId) + "/resnapshot",
                                                                                                  null));
        r.put("DELETE /api/v1/pipelines/{id}/tables/{mapping_id}", allowed -> new Call(mapping(allowed ? pipeline(false) : otherPipelineId),
                                                                                       null));
        String consumers = "/consumers";
        r.put("GET /api/v1/pipelines/{id}/consumers", allowed -> new Call(pipelines + "/" + otherPipelineId + consumers, null));
        r.put("POST /api/v1/pipelines/{id}/consumers", allowed -> new Call(pipelines + "/" + otherPipelineId + consumers,
                                                                           "{\"name\":\"matrix-" + (++names) + "\"}"));
        r.put("GET /api/v1/pipelines/{id}/consumers/{name}", allowed -> new Call(pipelines + "/" + otherPipelineId + consumers + "/fixed", null));
        r.put("DELETE /api/v1/pipelines/{id}/consumers/{name}", allowed -> {
            String name = "doomed-" + (++names);
            consumer(pipelineId, name);
            consumer(otherPipelineId, name);
            return new Call(pipelines + "/" + otherPipelineId + consumers + "/" + name, null);
        });
        r.put("GET /api/v1/pipelines/{id}/consumers/{name}/events", allowed -> new Call(pipelines + "/" + otherPipelineId + consumers
                + "/fixed/events?limit=1", null));
        r.put("POST /api/v1/pipelines/{id}/consumers/{name}/ack", allowed -> new Call(pipelines + "/" + otherPipelineId + consumers
                + "/fixed/ack", "{\"up_to_seq\":0}"));
        String sinks = "/sinks";
        r.put("GET /api/v1/pipelines/{id}/sinks", allowed -> new Call(pipelines + "/" + otherPipelineId + sinks, null));
        r.put("POST /api/v1/pipelines/{id}/sinks", allowed -> new Call(pipelines + "/" + otherPipelineId + sinks, sinkJson("matrix-" + (++names))));
        r.put("GET /api/v1/pipelines/{id}/sinks/{name}", allowed -> new Call(pipelines + "/" + otherPipelineId + sinks + "/fixed", null));
        r.put("DELETE /api/v1/pipelines/{id}/sinks/{name}", allowed -> {
            String name = "doomed-" + (++names);
            assertThat(admin.post(pipelines + "/" + otherPipelineId + sinks, sinkJson(name)).status(), is(201));
            return new Call(pipelines + "/" + otherPipelineId + sinks + "/" + name, null);
        });
        for (String action : List.of("pause", "resume", "rotate-secret")) {
            r.put("POST /api/v1/pipelines/{id}/sinks/{name}/" + action, allowed -> new Call(pipelines + "/" + otherPipelineId + sinks + "/fixed/"
                    + action, null));
        }
        return r;
    }

    /* A sink to a port nothing listens on: it only retries. */
    private static String sinkJson(String name) {
        return "{\"name\":\"" + name + "\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/hooks\"}";
    }

    private static void consumer(String pipeline, String name) {
        ApiClient.Response r = admin.post("/api/v1/pipelines/" + pipeline + "/consumers", "{\"name\":\"" + name + "\"}");
        assertThat(r.toString(), r.status(), is(201));
    }

    private static ApiClient keyed(String role, String more) {
        ApiClient.Response r = admin.post("/api/v1/keys", "{\"name\":\"matrix-" + role + "-" + (++names) + "\",\"role\":\"" + role + "\""
                + more + "}");
        assertThat(r.toString(), r.status(), is(201));
        return admin.withKey(r.json().getJsonObject("key").getString("secret"));
    }

    private static String keyId() {
        return admin.post("/api/v1/keys", "{\"name\":\"matrix-doomed-" + (++names) + "\",\"role\":\"viewer\"}").json()
                .getJsonObject("key").getString("id");
    }

    private static String source() {
        ApiClient.Response r = admin.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "matrix-" + (++names))
                .build().toString());
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("source").getString("id");
    }

    /* A pipeline on items (changes only, no copy), running when asked. */
    private static String pipeline(boolean running) {
        ApiClient.Response r = admin.post("/api/v1/pipelines", "{\"name\":\"matrix-" + (++names) + "\",\"source_id\":\"" + sourceId
                + "\",\"tables\":[{\"table\":\"items\"}],\"config\":{\"snapshot\":\"never\"}}");
        assertThat(r.toString(), r.status(), is(201));
        String id = r.json().getJsonObject("pipeline").getString("id");
        if (running) {
            ApiClient.Response started = admin.post("/api/v1/pipelines/" + id + "/start", "");
            assertThat(started.toString(), started.status(), is(200));
        }
        return id;
    }

    /* A pipeline that ran and was stopped: it has a slot to drop. */
    private static String stopped() {
        String id = pipeline(true);
        ApiClient.Response stopped = admin.post("/api/v1/pipelines/" + id + "/stop", "");
        assertThat(stopped.toString(), stopped.status(), is(200));
        return id;
    }

    private static String mapping(String pipeline) {
        String mappingId = admin.get("/api/v1/pipelines/" + pipeline + "/tables").json().getJsonArray("tables").getJsonObject(0).getString("id");
        return "/api/v1/pipelines/" + pipeline + "/tables/" + mappingId;
    }
}
