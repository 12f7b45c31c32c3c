package io.philotes.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends blocking I/O with a peer that stopped moving: a stream's client that accepts no data, a webhook receiver that
 * drips its answer. The thread marks each blocking call; one still blocked after the stall limit is interrupted, which
 * closes its socket (a virtual thread blocked on a socket or channel closes it when interrupted), so such a peer holds
 * no thread and no memory for long. Only the call that stalled is interrupted, and its interrupt is taken back when
 * it returns: nothing the thread does afterwards (a statement on a pooled connection) sees it.
 */
public final class StallGuard implements AutoCloseable {
    private final Duration stall;
    private final Map<Thread, Call> blocked = new ConcurrentHashMap<>();
    private final Thread loop;

    /* One watched call; cut once the guard interrupted it. */
    private static final class Call {
        final long since = System.nanoTime();
        volatile boolean cut;
    }

    /**
     * Starts watching.
     *
     * @param stall how long one blocking call may take
     */
    public StallGuard(Duration stall) {
        this.stall = stall;
        long every = Math.max(50, Math.min(1000, stall.toMillis() / 4));
        this.loop = Thread.ofVirtual().name("philotes-stall-guard").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                blocked.forEach((thread, call) -> {
                    if (now - call.since > stall.toNanos()) {
                        // Only that very call, while it is still registered: the caller removes it before anything else.
                        blocked.computeIfPresent(thread, (t, current) -> {
                            if (current == call && !call.cut) {
                                call.cut = true;
                                t.interrupt();
                            }
                            return current;
                        });
                    }
                });
            }
        });
    }

    /**
     * Blocking I/O: a write, or the read of an answer.
     *
     * @param <E> what it throws
     */
    @FunctionalInterface
    public interface Io<E extends Exception> {
        void run() throws E;
    }

    /**
     * Runs blocking I/O under watch.
     *
     * @param io  the write (and flush), or read
     * @param <E> what it throws
     * @return false when the peer stalled: the I/O was cut off (its socket closed)
     * @throws E what the I/O threw otherwise
     */
    public <E extends Exception> boolean run(Io<E> io) throws E {
        Thread self = Thread.currentThread();
        Call call = new Call();
        blocked.put(self, call);
        boolean cut = true;
        try {
            io.run();
            cut = false;
        } catch (Exception e) {
            if (!end(self, call)) {
                throw e;
            }
            return false;
        } finally {
            if (!cut || blocked.get(self) == call) {
                cut = end(self, call);
            }
        }
        return !cut;
    }

    /* Ends the watch of a call; true when the guard cut it (its interrupt is taken back). */
    private boolean end(Thread self, Call call) {
        blocked.remove(self, call);
        if (call.cut) {
            Thread.interrupted();
            return true;
        }
        return false;
    }

    /**
     * The limit.
     *
     * @return how long one blocking call may take
     */
    public Duration stall() {
        return stall;
    }

    @Override
    public void close() {
        loop.interrupt();
    }
}
