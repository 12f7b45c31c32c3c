package io.philotes.pipeline;

import java.util.List;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;

/** {@code GET /events?schema=&table=&op=}: the event browser's filters, each page looking at a bounded range of seqs. */
@PhilotesTest
class EventFilterTest {
    private static final long WAIT_MILLIS = 60_000;
    private static final int BIG = 12_000;
    private static SourceServers.Server server;
    private static ApiClient api;
    private static String path;

    @BeforeAll
    static void start(TestApp app, SourceServers.Server sources) {
        server = sources;
        api = app.client();
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE big (id int PRIMARY KEY);
                CREATE TABLE small (id int PRIMARY KEY, note text);
                CREATE TABLE wide (id int PRIMARY KEY, blob text);
                INSERT INTO big SELECT generate_series(1, %d);
                ANALYZE""".formatted(BIG));
        String source = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", "filtered").build().toString())
                .json().getJsonObject("source").getString("id");
        path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", """
                {"name":"filtered","source_id":"%s","tables":[{"table":"big"},{"table":"small"},{"table":"wide"}]}""".formatted(source))
                .json().getJsonObject("pipeline").getString("id");
        assertThat(api.post(path + "/start", "").status(), is(200));
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);
        server.execute(db, "INSERT INTO small VALUES (1, 'a'), (2, 'b'); UPDATE small SET note = 'c' WHERE id = 1; DELETE FROM big WHERE id = 5");
        // Six rows of 1 MiB each: a page stops once its events' JSON reaches 4 MiB.
        server.execute(db, "INSERT INTO wide SELECT g, repeat(chr(97 + g), 1048576) FROM generate_series(1, 6) g");
        PipelineEvents.await(api, path, BIG + 10, WAIT_MILLIS);
    }

    @AfterAll
    static void stop() {
        api.post(path + "/stop", "");
    }

    private static List<JsonObject> events(ApiClient.Response r) {
        assertThat(r.toString(), r.status(), is(200));
        return r.json().getJsonArray("events").stream().map(JsonValue::asJsonObject).toList();
    }

    @Test
    void aFilterThatMatchesLittleLooksAtABoundedRangeAndSaysWhereItStopped() {
        // The copy of big fills seqs 1 to 12,000: the first page looks at 10,000 of them, finds nothing, and says so.
        ApiClient.Response first = api.get(path + "/events?table=small&limit=10");
        assertThat(events(first).size(), is(0));
        assertThat(first.json().getJsonNumber("next_after").longValue(), is(10_000L));
        ApiClient.Response second = api.get(path + "/events?table=small&limit=10&after=10000");
        List<JsonObject> small = events(second);
        assertThat(small.stream().map(e -> e.getString("op")).toList(), contains("insert", "insert", "update"));
        assertThat(small.stream().map(e -> e.getString("table")).toList(), everyItem(is("small")));
        // The range was read to its end (the last event stored): reading on finds nothing more.
        long next = second.json().getJsonNumber("next_after").longValue();
        assertThat(next, is(second.json().getJsonNumber("last_seq").longValue()));
        assertThat(events(api.get(path + "/events?table=small&after=" + next)).size(), is(0));
    }

    @Test
    void aPageCutByItsSizeEndsAtItsLastEventSoNoneIsSkipped() {
        ApiClient.Response page = api.get(path + "/events?table=wide&limit=10&after=" + BIG);
        List<JsonObject> first = events(page);
        assertThat(first.size(), is(4));
        long next = page.json().getJsonNumber("next_after").longValue();
        assertThat(next, is(first.getLast().getJsonNumber("seq").longValue()));
        List<JsonObject> rest = events(api.get(path + "/events?table=wide&limit=10&after=" + next));
        assertThat(rest.stream().map(e -> e.getJsonObject("after").getInt("id")).toList(), contains(5, 6));
    }

    @Test
    void aFullPageEndsAtItsLastEventAndFiltersCombine() {
        ApiClient.Response page = api.get(path + "/events?op=snapshot&schema=public&table=big&limit=7&after=100");
        List<JsonObject> events = events(page);
        assertThat(events.stream().map(e -> e.getJsonNumber("seq").longValue()).toList(), contains(101L, 102L, 103L, 104L, 105L, 106L, 107L));
        assertThat(page.json().getJsonNumber("next_after").longValue(), is(107L));
        List<JsonObject> deletes = events(api.get(path + "/events?op=delete&after=" + BIG));
        assertThat(deletes.size(), is(1));
        assertThat(deletes.getFirst().getString("table"), is("big"));
        assertThat(events(api.get(path + "/events?op=delete&table=small&after=" + BIG)).size(), is(0));
        assertThat(events(api.get(path + "/events?schema=other&after=" + BIG)).size(), is(0));
    }

    @Test
    void badFiltersAreNamedAndAnswerNothing() {
        ApiClient.Response r = api.get(path + "/events?op=upsert&table=&schema=" + "s".repeat(64));
        assertThat(r.toString(), r.status(), is(400));
        assertThat(r.problemSlug(), is("validation-error"));
        List<String> fields = r.json().getJsonArray("errors").stream().map(e -> e.asJsonObject().getString("field")).sorted().toList();
        assertThat(fields, contains("op", "schema", "table"));
    }
}
