package io.philotes.support;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/** A pipeline through the API: creating one that streams, waiting for its status and its events, reading them all. */
public final class PipelineEvents {
    private PipelineEvents() {
    }

    /**
     * Registers a database of a source server as a source (as its superuser) and creates a pipeline of one
     * table on it that captures changes only (no initial copy).
     *
     * @param api    the client
     * @param server the source server
     * @param db     the database
     * @param name   name of the source and of the pipeline
     * @param table  the table, in schema public
     * @return the pipeline's path
     */
    public static String streamingPipeline(ApiClient api, SourceServers.Server server, String db, String name, String table) {
        String source = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", name).build().toString())
                .json().getJsonObject("source").getString("id");
        return "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"" + name + "\",\"source_id\":\"" + source
                + "\",\"tables\":[{\"table\":\"" + table + "\"}],\"config\":{\"snapshot\":\"never\"}}")
                .json().getJsonObject("pipeline").getString("id");
    }

    /**
     * The replication slot (and publication) the engine creates for a pipeline.
     *
     * @param path the pipeline's path
     * @return its name on the source
     */
    public static String slotName(String path) {
        return "philotes_" + path.substring(path.lastIndexOf('/') + 1).replace("-", "");
    }

    /**
     * Waits until the pipeline has the status.
     *
     * @param api       the client
     * @param path      the pipeline's path
     * @param status    the status
     * @param timeoutMs how long to wait
     * @return the status report then
     * @throws AssertionError when it does not come
     */
    public static JsonObject awaitStatus(ApiClient api, String path, String status, long timeoutMs) {
        return awaitStatus(api, path, s -> s.getString("status").equals(status), "status " + status, timeoutMs);
    }

    /**
     * Waits until the pipeline's status report says what is asked.
     *
     * @param api       the client
     * @param path      the pipeline's path
     * @param condition what the report must say
     * @param what      the condition in words, for the failure
     * @param timeoutMs how long to wait
     * @return the status report then
     * @throws AssertionError when it does not come
     */
    public static JsonObject awaitStatus(ApiClient api, String path, Predicate<JsonObject> condition, String what, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        JsonObject s;
        do {
            s = api.get(path + "/status").json();
            if (condition.test(s)) {
                return s;
            }
            pause();
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("expected " + what + ", status stayed " + s);
    }

    /**
     * Stops the pipeline and waits until the stop is recorded: a stop answers {@code stopping} when its runner
     * takes longer than the request waits (5 s) to store what it holds, as it may on a loaded machine.
     *
     * @param api       the client
     * @param path      the pipeline's path
     * @param timeoutMs how long to wait
     * @return the status report then
     * @throws AssertionError when the stop is refused or does not end
     */
    public static JsonObject stop(ApiClient api, String path, long timeoutMs) {
        ApiClient.Response r = api.post(path + "/stop", "");
        if (r.status() != 200 || !List.of("stopping", "stopped").contains(r.json().getJsonObject("pipeline").getString("status"))) {
            throw new AssertionError("stop: " + r);
        }
        return awaitStatus(api, path, "stopped", timeoutMs);
    }

    /**
     * Waits until the copy of every table of the pipeline is stored (done, or skipped by its config).
     *
     * @param api       the client
     * @param path      the pipeline's path
     * @param timeoutMs how long to wait
     * @return the status report then
     * @throws AssertionError when they are not
     */
    public static JsonObject awaitCopied(ApiClient api, String path, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        JsonObject s;
        do {
            s = api.get(path + "/status").json();
            boolean copied = s.getJsonArray("tables").stream().map(JsonValue::asJsonObject).filter(t -> t.containsKey("snapshot"))
                    .allMatch(t -> List.of("done", "skipped").contains(t.getJsonObject("snapshot").getString("state")));
            if (copied) {
                return s;
            }
            pause();
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("the tables' copies are not done: " + s);
    }

    /**
     * Waits until at least this many events are stored (or the time is up), then reads every stored event.
     *
     * @param api       the client
     * @param path      the pipeline's path
     * @param count     how many to wait for
     * @param timeoutMs how long to wait
     * @return every stored event, in order
     */
    public static List<JsonObject> await(ApiClient api, String path, long count, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (api.get(path + "/status").json().getJsonNumber("events_processed").longValue() < count
               && System.currentTimeMillis() < deadline) {
            pause();
        }
        return all(api, path);
    }

    /**
     * Every stored event, read page by page.
     *
     * @param api  the client
     * @param path the pipeline's path
     * @return the events, in order
     */
    public static List<JsonObject> all(ApiClient api, String path) {
        List<JsonObject> events = new ArrayList<>();
        long after = 0;
        List<JsonValue> page;
        do {
            page = api.get(path + "/events?limit=1000&after=" + after).json().getJsonArray("events");
            page.forEach(v -> events.add(v.asJsonObject()));
            after = page.isEmpty() ? after : page.getLast().asJsonObject().getJsonNumber("seq").longValue();
        } while (!page.isEmpty());
        return events;
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
