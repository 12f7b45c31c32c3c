package io.philotes.cdc;

import java.time.Instant;
import java.util.Iterator;
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
 * same connection: one transaction, so a batch whose position cannot be stored leaves no event behind. Every
 * write carries its owner's epoch: after a take-over the old owner writes nothing more. Sequence numbers go on
 * across new slots.
 */
@PhilotesTest
class EventStoreTest {
    @Test
    void eventsCopiedInABatchWhoseStreamCannotAdvanceAreRolledBack(TestApp app) {
        UUID pipeline = pipeline(app.client(), "event-store");
        EventStore store = new EventStore(app.philotes().database());
        long epoch = store.takeOwnership(pipeline);
        StreamState created = store.beginStream(pipeline, epoch, "philotes_test_slot", "philotes_test_pub", true, 100);
        StreamState stored = store.append(created, List.of(event(101), event(102)), new EventStore.Position(102, 102, 0, 0), epoch);
        assertThat(stored.lastSeq(), is(2L));

        // A writer that believes the stream is at seq 5: its COPY of seq 6 succeeds, the guarded advance fails.
        StreamState stale = new StreamState(pipeline, created.slotName(), created.publicationName(), true, true, 100, true, 102, 102,
                                            0, 0, 5, 2, null, created.slot());
        assertThrows(EventStore.Fenced.class,
                () -> store.append(stale, List.of(event(103)), new EventStore.Position(103, 103, 0, 0), epoch));

        assertThat(store.after(pipeline, 0, 10, Long.MAX_VALUE).stream().map(EventStore.StoredEvent::seq).toList(), contains(1L, 2L));
        assertThat(store.stream(pipeline).orElseThrow().lastSeq(), is(2L));
        assertThat(store.stream(pipeline).orElseThrow().eventsProcessed(), is(2L));
    }

    @Test
    void anOwnerFencedOffByATakeOverWritesNothingMore(TestApp app) {
        UUID pipeline = pipeline(app.client(), "fenced");
        EventStore store = new EventStore(app.philotes().database());
        long first = store.takeOwnership(pipeline);
        StreamState created = store.beginStream(pipeline, first, "philotes_fenced_slot", "philotes_fenced_pub", true, 100);
        StreamState stored = store.append(created, List.of(event(101)), new EventStore.Position(101, 101, 0, 0), first);

        long second = store.takeOwnership(pipeline); // another instance took it over
        assertThat(second, is(first + 1));
        EventStore.Fenced e = assertThrows(EventStore.Fenced.class,
                () -> store.append(stored, List.of(event(102)), new EventStore.Position(102, 102, 0, 0), first));
        assertThat(e.getMessage(), containsString("another instance took it over"));
        assertThrows(EventStore.Fenced.class, () -> store.requireOwner(pipeline, first));
        assertThrows(EventStore.Fenced.class, () -> store.beginStream(pipeline, first, "philotes_fenced_slot", "p", true, 200));
        assertThat(store.after(pipeline, 0, 10, Long.MAX_VALUE).stream().map(EventStore.StoredEvent::seq).toList(), contains(1L));

        // The new owner goes on after what is stored.
        store.requireOwner(pipeline, second);
        StreamState next = store.append(stored, List.of(event(102)), new EventStore.Position(102, 102, 0, 0), second);
        assertThat(next.lastSeq(), is(2L));
    }

    @Test
    void aNewSlotStartsTheStreamOverButNeverItsNumbering(TestApp app) {
        UUID pipeline = pipeline(app.client(), "renumbered");
        EventStore store = new EventStore(app.philotes().database());
        long epoch = store.takeOwnership(pipeline);
        StreamState first = store.beginStream(pipeline, epoch, "philotes_renumbered", "pub", true, 100);
        store.append(first, List.of(event(100), event(100), event(100)), new EventStore.Position(0, 0, 0, 0), epoch);

        // A copy cut short is taken again from a new slot: its events follow the first attempt's.
        StreamState again = store.beginStream(pipeline, epoch, "philotes_renumbered", "pub", true, 500);
        assertThat(again.lastSeq(), is(3L));
        assertThat(again.startLsn(), is(500L));
        assertThat(again.confirmedLsn(), is(0L));
        StreamState after = store.append(again, List.of(event(500)), new EventStore.Position(0, 0, 0, 0), epoch);
        assertThat(after.lastSeq(), is(4L));
        assertThat(store.after(pipeline, 0, 10, Long.MAX_VALUE).stream().map(EventStore.StoredEvent::seq).toList(), contains(1L, 2L, 3L, 4L));
    }

    @Test
    void chunksReadyTogetherAreStoredInOneTransactionOrNotAtAll(TestApp app) {
        UUID pipeline = pipeline(app.client(), "chunked");
        EventStore store = new EventStore(app.philotes().database());
        long epoch = store.takeOwnership(pipeline);
        StreamState created = store.beginStream(pipeline, epoch, "philotes_chunked", "pub", true, 100);
        Iterator<Chunk> three = List.of(new Chunk(List.of(event(101), event(101)), new EventStore.Position(101, 102, 0, 0)),
                                        new Chunk(List.of(), new EventStore.Position(101, 150, 0, 0)),
                                        new Chunk(List.of(event(160)), new EventStore.Position(160, 161, 0, 0))).iterator();
        StreamState stored = store.append(created, () -> three.hasNext() ? three.next() : null, epoch);
        assertThat(stored.lastSeq(), is(3L));
        assertThat(stored.confirmedLsn(), is(161L));
        assertThat(store.stream(pipeline).orElseThrow().confirmedLsn(), is(161L));
        assertThat(store.tableStats(pipeline).getFirst().eventsProcessed(), is(3L));

        // A take-over while they are written: none of them is stored.
        store.takeOwnership(pipeline);
        Iterator<Chunk> two = List.of(new Chunk(List.of(event(170)), new EventStore.Position(170, 171, 0, 0)),
                                      new Chunk(List.of(event(180)), new EventStore.Position(180, 181, 0, 0))).iterator();
        assertThrows(EventStore.Fenced.class, () -> store.append(stored, () -> two.hasNext() ? two.next() : null, epoch));
        assertThat(store.after(pipeline, 0, 10, Long.MAX_VALUE).stream().map(EventStore.StoredEvent::seq).toList(), contains(1L, 2L, 3L));
        assertThat(store.stream(pipeline).orElseThrow().confirmedLsn(), is(161L));
    }

    private static UUID pipeline(ApiClient api, String name) {
        String source = api.post("/api/v1/sources", SourceJson.named(name, 5432).toString())
                .json().getJsonObject("source").getString("id");
        return UUID.fromString(api.post("/api/v1/pipelines", """
                {"name":"%s","source_id":"%s","tables":[{"table":"t"}]}""".formatted(name, source))
                .json().getJsonObject("pipeline").getString("id"));
    }

    private static ChangeEvent event(long lsn) {
        return new ChangeEvent(lsn, lsn, 7L, Instant.parse("2026-12-06T12:00:00Z"), "public", "t", "insert", RowJson.of("{\"id\":" + lsn + "}"),
                               null, RowJson.of("{\"id\":" + lsn + "}"));
    }
}
