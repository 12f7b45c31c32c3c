package io.philotes.pipeline;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import io.philotes.support.ApiClient;
import io.philotes.support.EventStreamClient;
import io.philotes.support.LogCapture;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/** Server-sent events of a pipeline against a real source: order, resumption by Last-Event-ID, heartbeats, slow clients. */
@PhilotesTest(config = {"http.stream.heartbeat=300ms", "http.stream.stall=2s", "http.waiting.client=4"})
class EventStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final LogCapture LOGS = LogCapture.start();
    private static TestApp app;
    private static ApiClient api;
    private static SourceServers.Server server;
    private static String db;
    private static String path;

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        server = source;
        api = started.client();
        db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.items (id int PRIMARY KEY, note text)");
        path = PipelineEvents.streamingPipeline(api, server, db, "streamed", "items");
        assertThat(api.post(path + "/start", "").status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT.toMillis());
    }

    @AfterAll
    static void stop() {
        LOGS.close();
    }

    private static EventStreamClient open(String query, String... headers) {
        return new EventStreamClient(app.port(), path + "/events/stream" + query, TestApp.ADMIN_KEY, headers);
    }

    /* The next events of a stream (skipping comments), checking that each id is its data's seq. */
    private static List<Long> take(EventStreamClient stream, int count) throws InterruptedException {
        List<Long> seqs = new ArrayList<>();
        while (seqs.size() < count) {
            EventStreamClient.Message m = stream.next(WAIT);
            assertThat("the stream ended or stalled after " + seqs, m, is(notNullValue()));
            if (m.comment() != null || m.data() == null) {
                continue;
            }
            assertThat(m.event(), is(nullValue()));
            long seq = m.json().getJsonNumber("seq").longValue();
            assertThat(m.id(), is(String.valueOf(seq)));
            seqs.add(seq);
        }
        return seqs;
    }

    private static long lastSeq() {
        return api.get(path + "/status").json().getJsonNumber("last_seq").longValue();
    }

    @Test
    void aReconnectingClientGoesOnAfterItsLastEventIdWithoutGapOrDuplicate() throws Exception {
        long before = lastSeq();
        server.execute(db, "INSERT INTO public.items SELECT g, 'n' || g FROM generate_series(1, 50) g");
        List<Long> got = new ArrayList<>();
        try (EventStreamClient stream = open("?after=" + before)) {
            got.addAll(take(stream, 20));
        }
        // Reconnected as EventSource does: the original URL and the last id received.
        try (EventStreamClient stream = open("?after=" + before, "Last-Event-ID", String.valueOf(got.getLast()))) {
            server.execute(db, "INSERT INTO public.items SELECT g, 'n' || g FROM generate_series(51, 100) g");
            got.addAll(take(stream, 80));
            // Nothing more is sent but heartbeats.
            EventStreamClient.Message quiet = stream.next(Duration.ofSeconds(2));
            assertThat(quiet.comment(), is("heartbeat"));
        }
        List<Long> expected = new ArrayList<>();
        for (long s = before + 1; s <= before + 100; s++) {
            expected.add(s);
        }
        assertThat(got, is(expected));
        assertThat(got.getLast(), is(lastSeq()));
    }

    @Test
    void aKeyRevokedWhileItsStreamIsOpenGetsNoMoreEventsAndOneKeyCannotTakeEveryPlace() throws Exception {
        String pipelineId = path.substring(path.lastIndexOf('/') + 1);
        JsonObject created = api.post("/api/v1/keys", "{\"name\":\"streamer\",\"role\":\"consumer\",\"pipeline_ids\":[\"" + pipelineId + "\"]}")
                .json().getJsonObject("key");
        String key = created.getString("secret");
        long before = lastSeq();
        List<EventStreamClient> streams = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                streams.add(new EventStreamClient(app.port(), path + "/events/stream?after=" + before, key));
            }
            // A fifth stream of that key is turned away; another key still gets one.
            try (EventStreamClient fifth = new EventStreamClient(app.port(), path + "/events/stream?after=" + before, key)) {
                assertThat(fifth.status(), is(503));
                assertThat(fifth.problem().getString("detail"), containsString("4 readers of this caller"));
            }
            try (EventStreamClient admin = open("?after=" + before)) {
                assertThat(admin.status(), is(200));
            }
            server.execute(db, "INSERT INTO public.items VALUES (7001, 'before the revocation')");
            assertThat(take(streams.getFirst(), 1), is(List.of(before + 1)));
            assertThat(api.delete("/api/v1/keys/" + created.getString("id")).status(), is(204));
            server.execute(db, "INSERT INTO public.items VALUES (7002, 'after the revocation')");
            EventStreamClient.Message last;
            do {
                last = streams.getFirst().next(WAIT);
            } while (last != null && last.comment() != null);
            assertThat(last.toString(), last.event(), is("end"));
            assertThat(last.json().getString("detail"), containsString("no longer may read"));
            assertThat(streams.getFirst().ended(Duration.ofSeconds(5)), is(true));
        } finally {
            streams.forEach(EventStreamClient::close);
        }
    }

    @Test
    void aStreamStartsWithAProblemWhenItCannot() throws Exception {
        try (EventStreamClient unknown = new EventStreamClient(app.port(), "/api/v1/pipelines/" + UUID.randomUUID() + "/events/stream",
                                                               TestApp.ADMIN_KEY)) {
            assertThat(unknown.status(), is(404));
        }
        try (EventStreamClient bad = open("", "Last-Event-ID", "seven")) {
            assertThat(bad.status(), is(400));
            assertThat(bad.problem().toString(), containsString("Last-Event-ID"));
        }
        try (EventStreamClient anonymous = new EventStreamClient(app.port(), path + "/events/stream", null)) {
            assertThat(anonymous.status(), is(401));
        }
        // A position the retention passed: 410 before the stream begins.
        String source = api.post("/api/v1/sources", SourceJson.named("stream-expired", 5432).toString()).json().getJsonObject("source")
                .getString("id");
        String id = api.post("/api/v1/pipelines", "{\"name\":\"stream-expired\",\"source_id\":\"" + source + "\"}").json()
                .getJsonObject("pipeline").getString("id");
        try (Connection c = app.database().connect(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, commit_time, schema_name, table_name, op)"
                    + " SELECT '" + id + "', g, '0/1', '0/1', now(), 'public', 't', 'truncate' FROM generate_series(100, 101) g");
        }
        try (EventStreamClient expired = new EventStreamClient(app.port(), "/api/v1/pipelines/" + id + "/events/stream?after=10",
                                                               TestApp.ADMIN_KEY)) {
            assertThat(expired.status(), is(410));
            assertThat(expired.problem().getString("detail"), containsString("the oldest available is seq 100"));
        }
    }

    @Test
    void aClientThatAcceptsNothingIsDisconnectedAfterTheStallAndOthersGoOn() throws Exception {
        long before = lastSeq();
        try (Socket socket = new Socket("localhost", app.port())) {
            socket.setReceiveBufferSize(4096);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + "/events/stream?after=" + before + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TestApp.ADMIN_KEY + "\r\nX-Request-ID: stalled-client\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // About 40 MB of events: far more than the socket buffers of both ends hold, and this client reads none.
            server.execute(db, "INSERT INTO public.items SELECT g, repeat('x', 8000) FROM generate_series(1001, 6000) g");
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (!LOGS.text().contains("accepted no data for 2s") && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(LOGS.text(), containsString("An event stream's client accepted no data for 2s: disconnected (http.stream.stall)"));
            // The server closed its end (the client, reading now, would get what the kernel's buffers still hold, then the end):
            // the request is over, and logged.
            Predicate<String> ended = l -> l.contains("GET " + path + "/events/stream 200 ") && l.contains("request_id=stalled-client");
            while (LOGS.lines().stream().noneMatch(ended) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(LOGS.lines().stream().filter(ended).count(), is(1L));
        }
        // Another client reads every one of those events.
        try (EventStreamClient stream = open("?after=" + before)) {
            List<Long> got = take(stream, 5000);
            assertThat(got.getFirst(), is(before + 1));
            assertThat(got.getLast(), is(before + 5000));
        }
    }
}
