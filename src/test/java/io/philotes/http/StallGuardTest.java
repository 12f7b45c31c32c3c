package io.philotes.http;

import java.time.Duration;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** The stall guard cuts the call that stalled, and only it; the thread keeps no interrupt afterwards. */
class StallGuardTest {
    @Test
    void aStalledCallIsCutAndItsThreadKeepsNoInterrupt() throws Exception {
        try (StallGuard guard = new StallGuard(Duration.ofMillis(200))) {
            long started = System.nanoTime();
            boolean finished = guard.run(() -> Thread.sleep(10_000));
            assertThat(finished, is(false));
            assertThat("cut after the stall", (System.nanoTime() - started) / 1_000_000 < 2_000, is(true));
            assertThat(Thread.currentThread().isInterrupted(), is(false));
            assertThat(guard.run(() -> Thread.sleep(50)), is(true));
        }
    }

    @Test
    void aCallThatThrowsAnErrorLeavesNothingBehindToInterruptTheThreadLater() throws Exception {
        try (StallGuard guard = new StallGuard(Duration.ofMillis(100))) {
            Assertions.assertThrows(AssertionError.class, () -> guard.run(() -> {
                throw new AssertionError("boom");
            }));
            Thread.sleep(400);
            assertThat("no interrupt came for a call that had ended", Thread.interrupted(), is(false));
        }
    }

    @Test
    void healthyCallsOneAfterAnotherAreNeverCut() throws Exception {
        // Calls of 30 ms under a 300 ms limit, for five times that limit: a guard that counted across calls would cut one.
        try (StallGuard guard = new StallGuard(Duration.ofMillis(300))) {
            long until = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < until) {
                assertThat(guard.run(() -> Thread.sleep(30)), is(true));
            }
            assertThat(Thread.interrupted(), is(false));
        }
    }
}
