package io.philotes.cdc;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stores chunks in order, each in one metadata transaction, on its own thread, so that reading and decoding
 * go on while the previous chunk is written. At most two chunks wait: a reader faster than the store waits
 * for it instead of filling the heap (with chunks bounded in bytes, the heap holds at most four of them: two
 * queued, one being stored, one being filled).
 */
final class EventWriter implements Runnable {
    private static final Chunk END = new Chunk(List.of(), null);
    private final EventStore store;
    private final long epoch;
    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(2);
    private volatile StreamState state;
    private volatile RuntimeException failure;
    private volatile boolean ended;

    /**
     * A writer for one owner of a pipeline.
     *
     * @param store the event store
     * @param state the stream as stored
     * @param epoch the owner's epoch, checked in every transaction
     */
    EventWriter(EventStore store, StreamState state, long epoch) {
        this.store = store;
        this.state = state;
        this.epoch = epoch;
    }

    @Override
    public void run() {
        try {
            while (true) {
                Chunk chunk = queue.take();
                if (chunk == END) {
                    return;
                }
                state = store.append(state, chunk.events(), chunk.position(), epoch);
            }
        } catch (RuntimeException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended = true;
        }
    }

    /**
     * Queues a chunk, waiting while two are queued.
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
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    /** The position stored last: what the source may be told. */
    long confirmedLsn() {
        return state.confirmedLsn();
    }
}
