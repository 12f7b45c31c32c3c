package io.philotes.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends long responses whose client stopped accepting data. A response's thread marks each blocking write; a write
 * still blocked after the stall limit is interrupted, which closes the connection's socket (a virtual thread blocked
 * on a socket closes it when interrupted), so a client that reads nothing holds no thread and no memory for long.
 */
public final class StallGuard implements AutoCloseable {
    private final Duration stall;
    private final Map<Thread, Long> writing = new ConcurrentHashMap<>();
    private final Thread loop;

    /**
     * Starts watching.
     *
     * @param stall how long a write may block
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
                writing.forEach((thread, since) -> {
                    if (now - since > stall.toNanos()) {
                        // Interrupted only while the entry is there: the writer removes it before anything else.
                        writing.computeIfPresent(thread, (t, s) -> {
                            t.interrupt();
                            return s;
                        });
                    }
                });
            }
        });
    }

    /**
     * A write that may block.
     *
     * @param <E> what the write throws
     */
    @FunctionalInterface
    public interface Write<E extends Exception> {
        void run() throws E;
    }

    /**
     * Runs a blocking write under watch.
     *
     * @param write the write (and flush)
     * @param <E>   what it throws
     * @return false when the client stalled: the write was cut off, and the response must end
     * @throws E what the write threw otherwise
     */
    public <E extends Exception> boolean write(Write<E> write) throws E {
        Thread self = Thread.currentThread();
        writing.put(self, System.nanoTime());
        try {
            write.run();
        } catch (Exception e) {
            if (stalled(self)) {
                return false;
            }
            throw e;
        }
        return !stalled(self);
    }

    /* Ends the watch of this write; true when the guard interrupted it (the interrupt is taken back). */
    private boolean stalled(Thread self) {
        writing.computeIfPresent(self, (t, s) -> null);
        return Thread.interrupted();
    }

    /**
     * The limit.
     *
     * @return how long a write may block
     */
    public Duration stall() {
        return stall;
    }

    @Override
    public void close() {
        loop.interrupt();
    }
}
