package io.philotes.cdc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * What a batch keeps of the messages a restarted stream sends again, fed with hand-built messages: transactions
 * stored whole are skipped, of one stored in part only the rest is kept, and the position it hands over says
 * exactly what is stored once its chunk is.
 */
class BatchTest {
    private static final Instant T = Instant.parse("2026-12-07T00:00:00Z");
    private static final PgOutput.Relation ITEMS = new PgOutput.Relation(16384, "public", "items", 'd',
            List.of(new PgOutput.Column("id", 23, -1, true)));

    @Test
    void transactionsTheStoreHasAreSkippedWholeAndLaterOnesKept() {
        Batch batch = new Batch(stored(0x200, 0x210, 0, 0), 1000, 1 << 20, null);
        Changes changes = new Changes();
        feed(batch, changes, transaction(0x100, 0x110, 1, 2)); // stored before
        feed(batch, changes, transaction(0x200, 0x210, 3, 4)); // the last one stored
        feed(batch, changes, transaction(0x300, 0x310, 5, 6));
        Chunk chunk = batch.cut();
        assertThat(ids(chunk), contains(5, 6));
        assertThat(chunk.position(), is(new EventStore.Position(0x300, 0x310, 0, 0)));
        assertThat(batch.cut(), nullValue());
    }

    @Test
    void ofATransactionStoredInPartOnlyTheRestIsKept() {
        Batch batch = new Batch(stored(0x200, 0x210, 0x300, 2), 1000, 1 << 20, null);
        Changes changes = new Changes();
        feed(batch, changes, transaction(0x300, 0x310, 1, 2, 3, 4, 5));
        Chunk chunk = batch.cut();
        assertThat(ids(chunk), contains(3, 4, 5));
        assertThat(chunk.position(), is(new EventStore.Position(0x300, 0x310, 0, 0)));
    }

    @Test
    void aCutInsideATransactionSaysHowMuchOfItIsStored() {
        Batch batch = new Batch(stored(0x200, 0x210, 0, 0), 3, 1 << 20, null);
        Changes changes = new Changes();
        List<Message> messages = transaction(0x300, 0x310, 1, 2, 3, 4, 5);
        feed(batch, changes, messages.subList(0, 5)); // relation, begin, 1, 2, 3
        assertThat(batch.full(), is(true));
        Chunk first = batch.cut();
        assertThat(ids(first), contains(1, 2, 3));
        assertThat(first.position(), is(new EventStore.Position(0x200, 0x210, 0x300, 3)));
        feed(batch, changes, messages.subList(5, messages.size()));
        Chunk second = batch.cut();
        assertThat(ids(second), contains(4, 5));
        assertThat(second.position(), is(new EventStore.Position(0x300, 0x310, 0, 0)));
    }

    @Test
    void aBatchIsFullAtItsBytesWhateverItsCount() {
        Batch batch = new Batch(stored(0, 0, 0, 0), 1000, 1000, null);
        Changes changes = new Changes();
        List<Message> messages = transaction(0x300, 0x310, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        int taken = 0;
        while (!batch.full()) {
            Message m = messages.get(taken++);
            batch.take(m.message(), m.lsn(), changes);
        }
        Chunk chunk = batch.cut();
        long bytes = chunk.events().stream().mapToLong(ChangeEvent::bytes).sum();
        assertThat(chunk.events().size() < 10, is(true));
        assertThat(bytes >= 1000 && bytes - chunk.events().getLast().bytes() < 1000, is(true));
    }

    @Test
    void anIdleStreamMovesToTheServersPositionOnlyBetweenTransactions() {
        Batch batch = new Batch(stored(0x200, 0x210, 0, 0), 1000, 1 << 20, null);
        Changes changes = new Changes();
        assertThat(batch.idleAt(0x205), is(false)); // behind what is stored
        assertThat(batch.idleAt(0x500), is(true));
        Chunk idle = batch.cut();
        assertThat(idle.events(), is(empty()));
        assertThat(idle.position(), is(new EventStore.Position(0x200, 0x500, 0, 0)));

        List<Message> messages = transaction(0x600, 0x610, 1);
        feed(batch, changes, messages.subList(0, 3)); // inside a transaction
        assertThat(batch.idleAt(0x700), is(false));
        feed(batch, changes, messages.subList(3, messages.size()));
        assertThat(batch.idleAt(0x700), is(false)); // its events are not cut yet
        assertThat(batch.cut().position(), is(new EventStore.Position(0x600, 0x610, 0, 0)));
        assertThat(batch.idleAt(0x700), is(true));
        assertThat(batch.cut().position(), is(new EventStore.Position(0x600, 0x700, 0, 0)));
    }

    private static StreamState stored(long lastCommit, long confirmed, long partialCommit, long partialEvents) {
        return new StreamState(UUID.randomUUID(), "slot", "pub", true, true, 0x10, true, lastCommit, confirmed, partialCommit, partialEvents,
                               0, 0, null, new StreamState.SlotSeen(null, null, null, 0, null, null));
    }

    private record Message(PgOutput.Message message, long lsn) {
    }

    /* A transaction as the server sends it: relation, begin, one insert per id, commit. */
    private static List<Message> transaction(long commitLsn, long endLsn, int... ids) {
        List<Message> messages = new ArrayList<>();
        messages.add(new Message(ITEMS, commitLsn - 0x20));
        messages.add(new Message(new PgOutput.Begin(commitLsn, T, 700), commitLsn - 0x20));
        for (int i = 0; i < ids.length; i++) {
            PgOutput.Tuple row = new PgOutput.Tuple(new String[] {String.valueOf(ids[i])}, new boolean[1]);
            messages.add(new Message(new PgOutput.Insert(ITEMS.oid(), row), commitLsn - 0x10 + i));
        }
        messages.add(new Message(new PgOutput.Commit(commitLsn, endLsn, T), commitLsn));
        return messages;
    }

    private static void feed(Batch batch, Changes changes, List<Message> messages) {
        messages.forEach(m -> batch.take(m.message(), m.lsn(), changes));
    }

    private static List<Integer> ids(Chunk chunk) {
        return chunk.events().stream().map(e -> Integer.parseInt(e.after().toString().replaceAll("\\D", ""))).toList();
    }
}
