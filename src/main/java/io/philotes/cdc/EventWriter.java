package io.philotes.cdc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Stores chunks in order on its own thread, so that reading and decoding go on while the previous chunk is
 * written. At most one chunk waits: a reader faster than the store waits for it instead of filling the heap (with
 * chunks bounded in bytes, a pipeline holds at most three of them: one being filled, one queued, one being
 * stored). A metadata transaction takes the chunks that are ready, up to a number of events: chunks bounded by a
 * small heap still make transactions as large as a large heap's.
 */
final class EventWriter implements Runnable {
    private static final Chunk END = new Chunk(List.of(), null);
    private final BiFunction<String, String, Integer> versions;
    private final EventStore store;
    private final long epoch;
    private final int transactionEvents;
    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(1);
    private final Consumer<List<CopyProgress>> stored;
    private volatile StreamState state;
    private volatile Throwable failure;
    private volatile boolean ended;

    /**
     * A writer for one owner of a pipeline.
     *
     * @param store the event store
     * @param state the stream as stored
     * @param epoch the owner's epoch, checked in every transaction
     * @param transactionEvents events per metadata transaction, once more than one chunk is ready
     * @param stored            hears of the copy progress of each transaction once it is committed
     * @param versions          the latest version of a table's shape, for events that do not know theirs
     */
    EventWriter(EventStore store, StreamState state, long epoch, int transactionEvents, Consumer<List<CopyProgress>> stored,
                BiFunction<String, String, Integer> versions) {
        this.store = store;
        this.versions = versions;
        this.state = state;
        this.epoch = epoch;
        this.transactionEvents = transactionEvents;
        this.stored = stored;
    }

    @Override
    public void run() {
        try {
            Chunk first = queue.take();
            while (first != END) {
                Transaction tx = new Transaction(first);
                state = store.append(state, tx, epoch, versions);
                if (!tx.progress.isEmpty()) {
                    stored.accept(tx.progress);
                }
                first = tx.ended ? END : queue.take();
            }
        } catch (RuntimeException | Error e) {
            // An Error too (a heap too small for a chunk): a writer that died silently would leave the reader waiting forever.
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended = true;
        }
    }

    /**
     * Queues a chunk, waiting while one is queued.
     *
     * @param chunk the chunk, or null for nothing
     * @throws RuntimeException the writer's failure, once it failed
     */
    void submit(Chunk chunk) {
        if (chunk == null) {
            return;
        }
        try {
            while (!queue.offer(chunk, 50, TimeUnit.MILLISECONDS)) {
                check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while storing events", e);
        }
        check();
    }

    /**
     * The last chunk, then the end; the writer stores what is queued and ends.
     *
     * @param last the last chunk, or null
     */
    void finish(Chunk last) {
        try {
            if (failure == null) {
                submit(last);
            }
        } finally {
            while (!ended && !queue.offer(END)) {
                Thread.onSpinWait();
            }
        }
    }

    /** Throws the writer's failure, if it failed. */
    void check() {
        switch (failure) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(failure);
        }
    }

    /* The chunks of one transaction: the first, then those already queued, up to the number of events. */
    private final class Transaction implements Supplier<Chunk> {
        private final List<CopyProgress> progress = new ArrayList<>();
        private Chunk first;
        private long events;
        private boolean ended;

        Transaction(Chunk first) {
            this.first = first;
        }

        @Override
        public Chunk get() {
            if (first != null) {
                Chunk c = first;
                first = null;
                events += c.events().size();
                progress.addAll(c.progress());
                return c;
            }
            if (ended || events >= transactionEvents) {
                return null;
            }
            Chunk next = queue.poll();
            if (next == END) {
                ended = true;
                return null;
            }
            if (next != null) {
                events += next.events().size();
                progress.addAll(next.progress());
            }
            return next;
        }
    }

    /** The position stored last: what the source may be told. */
    long confirmedLsn() {
        return state.confirmedLsn();
    }
}
