package io.philotes.cdc;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.TestApp;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A batch's events go in by binary COPY over JDBC and the stream's position by DbClient statements on the
 * same connection: one transaction, so a batch whose position cannot be stored leaves no event behind.
 */
@PhilotesTest
class EventStoreTest {
    @Test
    void eventsCopiedInABatchWhoseStreamCannotAdvanceAreRolledBack(TestApp app) {
        UUID pipeline = pipeline(app.client());
        EventStore store = new EventStore(app.philotes().database());
        StreamState created = store.createStream(pipeline, "philotes_test_slot", "philotes_test_pub", true, true, 100, true);
        StreamState stored = store.append(created, List.of(event(101), event(102)), new EventStore.Position(102, 102, 0, 0, true));
        assertThat(stored.lastSeq(), is(2L));

        // A writer that believes the stream is at seq 5: its COPY of seq 6 succeeds, the guarded advance fails.
        StreamState stale = new StreamState(pipeline, created.slotName(), created.publicationName(), true, true, 100, true, 102, 102,
                                            0, 0, 5, 2, null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> store.append(stale, List.of(event(103)), new EventStore.Position(103, 103, 0, 0, true)));
        assertThat(e.getMessage(), containsString("moved while this instance wrote it"));

        assertThat(store.after(pipeline, 0, 10).stream().map(EventStore.StoredEvent::seq).toList(), contains(1L, 2L));
        assertThat(store.stream(pipeline).orElseThrow().lastSeq(), is(2L));
        assertThat(store.stream(pipeline).orElseThrow().eventsProcessed(), is(2L));
    }

    private static UUID pipeline(ApiClient api) {
        String source = api.post("/api/v1/sources", SourceJson.named("event-store", 5432).toString())
                .json().getJsonObject("source").getString("id");
        return UUID.fromString(api.post("/api/v1/pipelines", """
                {"name":"event-store","source_id":"%s","tables":[{"table":"t"}]}""".formatted(source))
                .json().getJsonObject("pipeline").getString("id"));
    }

    private static ChangeEvent event(long lsn) {
        return new ChangeEvent(lsn, lsn, 7L, Instant.parse("2026-12-06T12:00:00Z"), "public", "t", "insert", "{\"id\":" + lsn + "}", null,
                               "{\"id\":" + lsn + "}");
    }
}
