package io.philotes.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import io.philotes.support.WebhookReceiver;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

/** Webhook sinks against a real source and a real HTTP receiver that fails, stalls, redirects and verifies signatures. */
@PhilotesTest(config = {"sinks.timeout=2s", "sinks.retry.max=2s"})
class WebhookTest {
    private static final long WAIT_MILLIS = 30_000;
    private static TestApp app;
    private static ApiClient api;
    private static SourceServers.Server server;
    private static String db;
    private static String path;
    private static int rows;

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        server = source;
        api = started.client();
        db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.items (id int PRIMARY KEY, note text)");
        path = PipelineEvents.streamingPipeline(api, server, db, "hooked", "items");
        assertThat(api.post(path + "/start", "").status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
    }

    /* Inserts rows on the source; returns the seqs their events get. */
    private static List<Long> insert(int count) {
        long last = api.get(path + "/status").json().getJsonNumber("last_seq").longValue();
        server.execute(db, "INSERT INTO public.items SELECT g, 'n' || g FROM generate_series(" + (rows + 1) + ", " + (rows + count) + ") g");
        rows += count;
        PipelineEvents.awaitStatus(api, path, s -> s.getJsonNumber("last_seq").longValue() >= last + count, "the rows' events stored", 60_000);
        List<Long> seqs = new ArrayList<>();
        for (long s = last + 1; s <= last + count; s++) {
            seqs.add(s);
        }
        return seqs;
    }

    private static JsonObject create(String name, WebhookReceiver receiver, String more) {
        ApiClient.Response r = api.post(path + "/sinks", "{\"name\":\"" + name + "\",\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\"" + more
                + "}");
        assertThat(r.toString(), r.status(), is(201));
        return r.json();
    }

    private static JsonObject sink(String name) {
        return api.get(path + "/sinks/" + name).json().getJsonObject("sink");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /* Every batch delivered more than once came with the same webhook-id and the same body. */
    private static void duplicatesOnlyWithTheirId(WebhookReceiver receiver) {
        Map<String, String> bodies = new HashMap<>();
        Map<List<Long>, String> ids = new HashMap<>();
        for (WebhookReceiver.Delivery d : receiver.received()) {
            String body = new String(d.body(), StandardCharsets.UTF_8);
            String before = bodies.putIfAbsent(d.id(), body);
            assertThat("the same webhook-id, the same body", before == null || before.equals(body), is(true));
            String id = ids.putIfAbsent(d.seqs(), d.id());
            assertThat("the same events, the same webhook-id", id == null || id.equals(d.id()), is(true));
        }
    }

    @Test
    void eventsArriveInOrderOnceSignedAsTheSpecificationSaysWithTheirHeaders() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            JsonObject created = create("signed", receiver, ",\"batch_size\":7,\"headers\":{\"Authorization\":\"Bearer r3ceiver-t0ken\"}");
            String secret = created.getString("secret");
            assertThat(secret.startsWith("whsec_"), is(true));
            assertThat(created.getJsonObject("sink").getString("state"), is("active"));
            List<Long> seqs = insert(50);
            await("50 events", () -> receiver.acceptedSeqs().size() >= 50);
            assertThat(receiver.acceptedSeqs(), is(seqs));
            for (WebhookReceiver.Delivery d : receiver.received()) {
                assertThat("signature of " + d.id(), WebhookReceiver.verify(secret, d), is(true));
                assertThat(WebhookReceiver.verify("whsec_" + Base64.getEncoder().encodeToString(new byte[32]), d), is(false));
                assertThat(d.headers().get("authorization"), is("Bearer r3ceiver-t0ken"));
                assertThat(d.headers().get("content-type"), is("application/json"));
                assertThat(d.json().getString("type"), is("philotes.events"));
                assertThat(d.seqs().size(), lessThan(8));
            }
            await("the cursor", () -> sink("signed").getJsonNumber("cursor").longValue() == seqs.getLast());
            JsonObject s = sink("signed");
            assertThat(s.getInt("delivered_events"), is(50));
            assertThat(s.getInt("lag_events"), is(0));
            assertThat(s.getJsonArray("header_names").getString(0), is("Authorization"));
            String everything = api.get(path + "/sinks").body() + api.get(path + "/sinks/signed").body();
            assertThat(everything, not(containsString("r3ceiver-t0ken")));
            assertThat(everything, not(containsString(secret)));
            assertThat(api.get("/metrics").body(), containsString("philotes_sink_delivered_events{pipeline=\"hooked\",sink=\"signed\"} 50.0"));

            // A rotation: for the overlap, both secrets sign, so a receiver on either verifies.
            String next = api.post(path + "/sinks/signed/rotate-secret", "{\"overlap\":\"1h\"}").json().getString("secret");
            assertThat(next, not(secret));
            int before = receiver.received().size();
            insert(3);
            await("3 more events", () -> receiver.acceptedSeqs().size() >= 53);
            WebhookReceiver.Delivery rotated = receiver.received().get(before);
            assertThat(rotated.signature().split(" ").length, is(2));
            assertThat(WebhookReceiver.verify(secret, rotated) && WebhookReceiver.verify(next, rotated), is(true));
            assertThat(api.delete(path + "/sinks/signed").status(), is(204));
        }
    }

    @Test
    void anEndpointDownForAMinuteThenBackReceivesEveryEventOnceInOrder() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            create("outage", receiver, ",\"batch_size\":10");
            List<Long> seqs = new ArrayList<>(insert(20));
            await("the first 20", () -> receiver.acceptedSeqs().size() >= 20);
            // Down: first answering 503, then not listening at all; events keep coming meanwhile.
            receiver.answer(d -> WebhookReceiver.Reply.status(503));
            seqs.addAll(insert(15));
            await("a retry", () -> sink("outage").getInt("attempts") >= 2);
            JsonObject retrying = sink("outage");
            assertThat(retrying.getString("state"), is("retrying"));
            assertThat(retrying.getString("last_error"), is("the endpoint answered 503"));
            Thread.sleep(30_000);
            receiver.stop();
            seqs.addAll(insert(15));
            await("a refused connection", () -> sink("outage").getString("last_error").startsWith("could not connect"));
            Thread.sleep(30_000);
            receiver.answer(d -> WebhookReceiver.Reply.status(200));
            receiver.restart();
            await("every event", () -> receiver.acceptedSeqs().size() >= seqs.size());
            assertThat(receiver.acceptedSeqs(), is(seqs));
            duplicatesOnlyWithTheirId(receiver);
            await("active again", () -> sink("outage").getString("state").equals("active"));
            assertThat(sink("outage").getInt("attempts"), is(0));
        }
    }

    @Test
    void misbehavingEndpointsAreRetriedOrFailedWithTheirReasonAndTheServiceIsUnharmed() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(); WebhookReceiver elsewhere = new WebhookReceiver()) {
            create("odd", receiver, ",\"batch_size\":5");
            // A redirect is not followed.
            receiver.answer(d -> new WebhookReceiver.Reply(307, 0, 0, elsewhere.url()));
            List<Long> seqs = new ArrayList<>(insert(5));
            await("the redirect", () -> sink("odd").getString("last_error", "").contains("307 (a redirect, which is never followed)"));
            assertThat(elsewhere.received().size(), is(0));
            // No answer: cut at sinks.timeout.
            receiver.answer(d -> WebhookReceiver.Reply.status(-1));
            await("the time-out", () -> sink("odd").getString("last_error", "").equals("no answer within 2 s (sinks.timeout)"));
            // A gigabyte of answer: at most 64 KiB of it is read, and the 200 counts.
            receiver.answer(d -> new WebhookReceiver.Reply(200, 0, 1L << 30, null));
            await("the huge answer accepted", () -> sink("odd").getJsonNumber("cursor").longValue() == seqs.getLast());
            // 410 Gone: the sink fails, and waits for a person.
            receiver.answer(d -> WebhookReceiver.Reply.status(410));
            seqs.addAll(insert(5));
            await("failed", () -> sink("odd").getString("state").equals("failed"));
            assertThat(sink("odd").getString("last_error"), containsString("410 Gone"));
            int tries = receiver.received().size();
            Thread.sleep(3000);
            assertThat("a failed sink sends nothing", receiver.received().size(), is(tries));
            receiver.answer(d -> WebhookReceiver.Reply.status(202));
            assertThat(api.post(path + "/sinks/odd/resume", "").json().getJsonObject("sink").getString("state"), is("active"));
            await("delivered after the resume", () -> receiver.acceptedSeqs().contains(seqs.getLast()));
            duplicatesOnlyWithTheirId(receiver);
            assertThat(api.get("/health/ready").status(), is(200));
        }
    }

    @Test
    void aPausedSinkSendsNothingUntilResumedAndTheRetentionWaitsForIt() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            create("paused", receiver, "");
            assertThat(api.post(path + "/sinks/paused/pause", "").json().getJsonObject("sink").getString("state"), is("paused"));
            List<Long> seqs = insert(10);
            Thread.sleep(2000);
            assertThat(receiver.received().size(), is(0));
            JsonObject paused = sink("paused");
            assertThat(paused.getInt("lag_events"), greaterThan(9));
            ApiClient.Response resumed = api.post(path + "/sinks/paused/resume", "{\"skip_expired\":false}");
            assertThat(resumed.toString(), resumed.status(), is(200));
            await("the events after the resume", () -> receiver.acceptedSeqs().containsAll(seqs));
        }
    }

    @Test
    void aSinkWhoseBatchTheRetentionCutGoesOnAfterTheGapOnlyWhenAskedTo() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            create("cut", receiver, ",\"batch_size\":10");
            receiver.answer(d -> WebhookReceiver.Reply.status(503));
            List<Long> seqs = insert(10);
            await("the batch fixed and failing", () -> sink("cut").getInt("attempts") >= 1);
            // The retention's hard cap deletes the batch's first 4 events before it is delivered.
            try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM philotes.events WHERE pipeline_id = '" + path.substring(path.lastIndexOf('/') + 1) + "' AND seq <= "
                        + seqs.get(3));
            }
            await("failed", () -> sink("cut").getString("state").equals("failed"));
            assertThat(sink("cut").getString("last_error"), containsString("were deleted by the retention"));
            receiver.answer(d -> WebhookReceiver.Reply.status(200));
            ApiClient.Response refused = api.post(path + "/sinks/cut/resume", "");
            assertThat(refused.toString(), refused.status(), is(410));
            assertThat(refused.json().getString("detail"), containsString("skip_expired"));
            ApiClient.Response resumed = api.post(path + "/sinks/cut/resume", "{\"skip_expired\":true}");
            assertThat(resumed.toString(), resumed.status(), is(200));
            await("the events after the gap", () -> receiver.acceptedSeqs().contains(seqs.getLast()));
            assertThat(receiver.acceptedSeqs(), is(seqs.subList(4, 10)));
            assertThat(sink("cut").getString("state"), is("active"));
        }
    }

    @Test
    void badSinksGetAPreciseProblemAndChangeNothing() {
        String sinks = path + "/sinks";
        ApiClient.Response metadata = api.post(sinks, "{\"name\":\"meta\",\"type\":\"webhook\",\"url\":\"http://169.254.169.254/latest\"}");
        assertThat(metadata.toString(), metadata.status(), is(422));
        assertThat(metadata.json().getJsonArray("errors").getJsonObject(0).getString("field"), is("url"));
        assertThat(metadata.json().toString(), containsString("link-local or cloud-metadata"));
        ApiClient.Response own = api.post(sinks, "{\"name\":\"self\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:" + app.port() + "/x\"}");
        assertThat(own.toString(), own.status(), is(422));
        ApiClient.Response bad = api.post(sinks, "{\"name\":\"-x\",\"type\":\"kafka\",\"url\":\"ftp://user:pw@example.com/\",\"batch_size\":0,"
                + "\"headers\":{\"webhook-id\":\"mine\"}}");
        assertThat(bad.status(), is(400));
        assertThat(bad.json().getJsonArray("errors").stream().map(v -> v.asJsonObject().getString("field")).toList(),
                   is(List.of("name", "type", "url", "batch_size", "headers")));
        ApiClient.Response credentials = api.post(sinks, "{\"name\":\"creds\",\"type\":\"webhook\",\"url\":\"https://user:pw@example.com/\"}");
        assertThat(credentials.status(), is(400));
        assertThat(credentials.body(), not(containsString("pw@")));
        ApiClient.Response header = api.post(sinks, "{\"name\":\"h\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\","
                + "\"headers\":{\"X-Key\":\"s3cret\\n\"}}");
        assertThat(header.status(), is(400));
        assertThat(header.body(), not(containsString("s3cret")));
        // A value the HTTP client could not send (beyond ASCII) is refused here, not found out at every attempt.
        ApiClient.Response euro = api.post(sinks, "{\"name\":\"euro\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\","
                + "\"headers\":{\"Authorization\":\"Bearer tok\u20acn\"}}");
        assertThat(euro.status(), is(400));
        assertThat(euro.body(), not(containsString("tok")));
        assertThat(api.get(sinks).json().getJsonArray("sinks").stream().map(v -> v.asJsonObject().getString("name"))
                           .filter(n -> List.of("meta", "self", "-x", "creds", "h", "euro").contains(n)).toList(), is(List.of()));
        assertThat(api.get(sinks + "/nobody").status(), is(404));
        assertThat(api.post(sinks + "/nobody/pause", "").status(), is(404));
    }
}
