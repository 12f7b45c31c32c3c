package io.philotes.cdc;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The waits of the engine's threads: retries with capped, jittered backoff, and sleeps a stop ends at once. */
final class Pause {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private Pause() {
    }

    /**
     * How long to wait before the next attempt: 0.5 s doubling up to 30 s, half of it random.
     *
     * @param failures failures in a row so far (1 for the first)
     * @return the wait
     */
    static Duration backoff(int failures) {
        long base = Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(failures - 1, 10));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    /**
     * Sleeps in short steps unless stopped.
     *
     * @param millis   how long
     * @param stopping whether to stop
     * @return false when the caller should stop: stopped, or interrupted (the interrupt is kept)
     */
    static boolean sleep(long millis, BooleanSupplier stopping) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (!stopping.getAsBoolean() && System.nanoTime() < end) {
                Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !stopping.getAsBoolean();
    }
}
