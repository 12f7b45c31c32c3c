package io.philotes.consumer;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

/** Consumers through the API against a real source: long polls, batches, acknowledgements, redelivery, two instances. */
class ConsumerApiTest {
    private static final long WAIT_MILLIS = 20_000;
    private static SourceServers.Server server;
    private static String db;
    private static TestApp app;
    private static TestApp second;
    private static ApiClient api;
    private static String path;

    @BeforeAll
    static void start() {
        server = SourceServers.logical();
        db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.items (id int PRIMARY KEY, note text)");
        app = TestApp.start(Map.of());
        second = TestApp.startWithOwnDatabase(Map.of("db.url", app.database().url(), "db.username", app.database().user(),
                                                     "db.password", app.database().password()));
        api = app.client();
        path = PipelineEvents.streamingPipeline(api, server, db, "consumed", "items");
        assertThat(api.post(path + "/start", "").status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (second != null) {
            second.close();
        }
        if (app != null) {
            app.close();
        }
        server.dropPipelineSlots();
    }

    private static JsonObject create(String body) {
        ApiClient.Response r = api.post(path + "/consumers", body);
        assertThat(r.toString(), r.status(), is(201));
        assertThat(r.header("Location").orElseThrow(), containsString(path + "/consumers/"));
        return r.json().getJsonObject("consumer");
    }

    private static void insert(int from, int to) {
        server.execute(db, "INSERT INTO public.items SELECT g, 'n' || g FROM generate_series(" + from + ", " + to + ") g");
    }

    private static List<Long> seqs(JsonObject batch) {
        return batch.getJsonArray("events").stream().map(v -> v.asJsonObject().getJsonNumber("seq").longValue()).toList();
    }

    private static List<Integer> ids(JsonObject batch) {
        return batch.getJsonArray("events").stream().map(v -> v.asJsonObject().getJsonObject("after").getInt("id")).toList();
    }

    private static JsonObject read(ApiClient client, String name, String query) {
        ApiClient.Response r = client.get(path + "/consumers/" + name + "/events" + query);
        assertThat(r.toString(), r.status(), is(200));
        return r.json();
    }

    private static JsonObject ack(String name, String body) {
        ApiClient.Response r = api.post(path + "/consumers/" + name + "/ack", body);
        assertThat(r.toString(), r.status(), is(200));
        return r.json().getJsonObject("consumer");
    }

    private static long lastSeq() {
        return api.get(path + "/status").json().getJsonNumber("last_seq").longValue();
    }

    @Test
    void aLongPollAnswersAsSoonAsACommitIsStoredOnEitherInstance() throws Exception {
        create("{\"name\":\"poller\",\"start\":\"latest\"}");
        for (ApiClient client : List.of(api, second.client())) {
            CompletableFuture<JsonObject> poll = CompletableFuture.supplyAsync(() -> read(client, "poller", "?wait=30s"));
            Thread.sleep(500);
            assertThat("the poll waits while nothing is stored", poll.isDone(), is(false));
            int id = client == api ? 1001 : 1002;
            long committed = System.nanoTime();
            insert(id, id);
            JsonObject batch = poll.get(20, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committed);
            // Answered by the event, not by the end of the 30 s wait (the bound leaves room for a loaded machine).
            assertThat("answered " + millis + " ms after the commit", millis, lessThan(15_000L));
            assertThat(ids(batch), is(List.of(id)));
            ack("poller", "{\"batch_id\":\"" + batch.getString("batch_id") + "\"}");
        }
        // Nothing stored: an empty answer once the wait is over, without a batch.
        long started = System.nanoTime();
        JsonObject none = read(api, "poller", "?wait=700ms");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), greaterThan(600L));
        assertThat(none.getJsonArray("events"), is(empty()));
        assertThat(none.containsKey("batch_id"), is(false));
    }

    @Test
    void batchesAreHeldUntilAcknowledgedAndComeBackWithTheSameIdAfterTheirVisibilityTimeout() throws Exception {
        JsonObject created = create("{\"name\":\"slow\",\"start\":" + (lastSeq() + 1) + ",\"visibility_timeout\":\"2s\"}");
        assertThat(created.getString("visibility_timeout"), is("2s"));
        insert(2001, 2008);
        awaitLag("slow", 8);
        JsonObject first = read(api, "slow", "?limit=4");
        assertThat(ids(first), is(List.of(2001, 2002, 2003, 2004)));
        assertThat(first.getInt("deliveries"), is(1));
        // A second reader of the consumer gets the next events, not the held batch.
        JsonObject second = read(api, "slow", "?limit=4");
        assertThat(ids(second), is(List.of(2005, 2006, 2007, 2008)));
        // Acknowledged out of order: the cursor waits for the first batch.
        JsonObject afterSecond = ack("slow", "{\"batch_id\":\"" + second.getString("batch_id") + "\"}");
        assertThat(afterSecond.getJsonNumber("cursor").longValue(), is(seqs(first).getFirst() - 1));
        assertThat(afterSecond.getInt("batches_held"), is(1));
        // The first batch is not acknowledged: after its timeout the next read (a long poll) gets it again.
        long started = System.nanoTime();
        JsonObject again = read(api, "slow", "?limit=100&wait=10s");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(again.getString("batch_id"), is(first.getString("batch_id")));
        assertThat(again.getInt("deliveries"), is(2));
        assertThat(ids(again), is(ids(first)));
        assertThat("waited " + waited + " ms for the timeout of 2 s", waited, lessThan(5_000L));
        JsonObject acked = ack("slow", "{\"batch_id\":\"" + again.getString("batch_id") + "\"}");
        assertThat(acked.getJsonNumber("cursor").longValue(), is(seqs(second).getLast()));
        // The same acknowledgement again changes nothing.
        assertThat(withoutTimes(ack("slow", "{\"batch_id\":\"" + first.getString("batch_id") + "\"}")), is(withoutTimes(acked)));
        insert(2009, 2010);
        JsonObject rest = read(api, "slow", "?wait=10s");
        assertThat(ids(rest), is(List.of(2009, 2010)));
        JsonObject done = ack("slow", "{\"up_to_seq\":" + seqs(rest).getLast() + "}");
        assertThat(done.getInt("lag_events"), is(0));
        assertThat(done.getInt("batches_held"), is(0));
        assertThat(read(api, "slow", "").getJsonArray("events"), is(empty()));
    }

    @Test
    void parallelReadersShareAConsumerWithoutOverlapAndEveryEventIsDeliveredOnce() throws Exception {
        long from = lastSeq();
        create("{\"name\":\"workers\",\"start\":\"latest\"}");
        insert(3001, 3300);
        awaitLag("workers", 300);
        List<CompletableFuture<List<Long>>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(CompletableFuture.supplyAsync(() -> {
                List<Long> got = new ArrayList<>();
                while (true) {
                    JsonObject batch = read(api, "workers", "?limit=7");
                    if (batch.getJsonArray("events").isEmpty()) {
                        return got;
                    }
                    got.addAll(seqs(batch));
                    ack("workers", "{\"batch_id\":\"" + batch.getString("batch_id") + "\"}");
                }
            }));
        }
        List<Long> all = new ArrayList<>();
        for (CompletableFuture<List<Long>> w : workers) {
            all.addAll(w.get(60, TimeUnit.SECONDS));
        }
        assertThat(all.size(), is(300));
        assertThat(new HashSet<>(all).size(), is(300));
        assertThat(all.stream().mapToLong(Long::longValue).min().orElseThrow(), is(from + 1));
        JsonObject c = api.get(path + "/consumers/workers").json().getJsonObject("consumer");
        assertThat(c.getJsonNumber("cursor").longValue(), is(from + 300));
        assertThat(c.getInt("lag_events"), is(0));
    }

    @Test
    void consumersShowTheirLagInTheApiAndTheMetrics() throws Exception {
        create("{\"name\":\"lagging\",\"start\":\"latest\"}");
        insert(4001, 4005);
        JsonObject c = awaitLag("lagging", 5);
        assertThat(c.getJsonNumber("lag_seconds").doubleValue(), is(not(0.0)));
        assertThat(c.getBoolean("expired"), is(false));
        List<String> names = api.get(path + "/consumers").json().getJsonArray("consumers").stream()
                .map(v -> v.asJsonObject().getString("name")).toList();
        assertThat(names, is(names.stream().sorted().toList()));
        assertThat(names.contains("lagging"), is(true));
        String metrics = api.get("/metrics").body();
        assertThat(metrics, containsString("philotes_consumer_lag_events{consumer=\"lagging\",pipeline=\"consumed\"} 5.0"));
        assertThat(metrics, containsString("philotes_consumer_expired{consumer=\"lagging\",pipeline=\"consumed\"} 0.0"));
        assertThat(metrics, containsString("philotes_consumer_lag_seconds{consumer=\"lagging\",pipeline=\"consumed\"}"));
    }

    @Test
    void badInputGetsAPreciseProblemAndChangesNothing() {
        create("{\"name\":\"strict\"}");
        ApiClient.Response unknown = api.get(path + "/consumers/nobody/events");
        assertThat(unknown.status(), is(404));
        assertThat(unknown.json().getString("detail"), containsString("no consumer named nobody"));
        assertThat(api.get(path + "/consumers/strict/events?wait=61s").problemSlug(), is("validation-error"));
        assertThat(api.get(path + "/consumers/strict/events?wait=forever").status(), is(400));
        assertThat(api.post(path + "/consumers", "{\"name\":\"strict\"}").status(), is(409));
        ApiClient.Response bad = api.post(path + "/consumers", "{\"name\":\"../x\",\"start\":0,\"visibility_timeout\":\"13h\",\"cursor\":5}");
        assertThat(bad.status(), is(400));
        assertThat(bad.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList(),
                   is(List.of("cursor", "name", "start", "visibility_timeout")));
        ApiClient.Response future = api.post(path + "/consumers", "{\"name\":\"future\",\"start\":" + (lastSeq() + 5) + "}");
        assertThat(future.toString(), future.status(), is(422));
        assertThat(future.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("start"));
        assertThat(api.get(path + "/consumers/future").status(), is(404));

        // Acknowledgements: exactly one of the two fields; a batch never handed out; a batch of another consumer.
        assertThat(api.post(path + "/consumers/strict/ack", "{}").status(), is(400));
        assertThat(api.post(path + "/consumers/strict/ack", "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"up_to_seq\":1}").status(),
                   is(400));
        ApiClient.Response never = api.post(path + "/consumers/strict/ack", "{\"batch_id\":\"" + UUID.randomUUID() + "\"}");
        assertThat(never.status(), is(422));
        assertThat(api.post(path + "/consumers/strict/ack", "{\"up_to_seq\":" + (lastSeq() + 1) + "}").status(), is(422));
        create("{\"name\":\"other\",\"start\":\"latest\"}");
        insert(5001, 5001);
        awaitLag("other", 1);
        JsonObject held = read(api, "other", "");
        ApiClient.Response foreign = api.post(path + "/consumers/strict/ack", "{\"batch_id\":\"" + held.getString("batch_id") + "\"}");
        assertThat(foreign.toString(), foreign.status(), is(409));
        assertThat(api.get(path + "/consumers/other").json().getJsonObject("consumer").getInt("batches_held"), is(1));
        assertThat(api.delete(path + "/consumers/other").status(), is(204));
        assertThat(api.get(path + "/consumers/other").status(), is(404));
        assertThat(api.delete(path + "/consumers/other").status(), is(404));
    }

    /* The consumer once it lags by this many events. */
    private static JsonObject awaitLag(String name, long events) {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        JsonObject c;
        do {
            c = api.get(path + "/consumers/" + name).json().getJsonObject("consumer");
            if (c.getJsonNumber("lag_events").longValue() >= events) {
                return c;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("consumer " + name + " never lagged by " + events + ": " + c);
    }

    private static JsonObject withoutTimes(JsonObject consumer) {
        Set<String> moving = Set.of("lag_seconds", "last_ack_at");
        JsonObjectBuilder b = Json.createObjectBuilder();
        consumer.forEach((k, v) -> b.add(k, moving.contains(k) ? JsonValue.NULL : v));
        return b.build();
    }
}
