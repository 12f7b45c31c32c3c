package io.philotes.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends blocking I/O with a peer that stopped moving: a stream's client that accepts no data, a webhook receiver that
 * drips its answer. The thread marks each blocking call; one still blocked after the stall limit is interrupted, which
 * closes its socket (a virtual thread blocked on a socket or channel closes it when interrupted), so such a peer holds
 * no thread and no memory for long.
 */
public final class StallGuard implements AutoCloseable {
    private final Duration stall;
    private final Map<Thread, Long> blocked = new ConcurrentHashMap<>();
    private final Thread loop;

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
                blocked.forEach((thread, since) -> {
                    if (now - since > stall.toNanos()) {
                        // Interrupted only while the entry is there: the caller removes it before anything else.
                        blocked.computeIfPresent(thread, (t, s) -> {
                            t.interrupt();
                            return s;
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
        blocked.put(self, System.nanoTime());
        try {
            io.run();
        } catch (Exception e) {
            if (stalled(self)) {
                return false;
            }
            throw e;
        }
        return !stalled(self);
    }

    /* Ends the watch of this call; true when the guard interrupted it (the interrupt is taken back). */
    private boolean stalled(Thread self) {
        blocked.computeIfPresent(self, (t, s) -> null);
        return Thread.interrupted();
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
