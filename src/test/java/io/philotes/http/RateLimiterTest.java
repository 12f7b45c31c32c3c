package io.philotes.http;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.philotes.net.TrustedProxies;
import io.philotes.support.ApiClient;
import io.philotes.support.TestApp;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class RateLimiterTest {
    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBucketAndOthersCannotBorrowOne() {
        try (TestApp app = TestApp.start(Map.of("http.rate.limit", "1", "http.rate.burst", "2", "http.trusted.proxies", "127.0.0.1"))) {
            ApiClient api = app.client().withKey(null);  // without a key: one bucket per client address
            for (int i = 0; i < 2; i++) {
                assertThat(api.get("/health/live", "X-Forwarded-For", "203.0.113.1").status(), is(200));
            }
            assertThat(api.get("/health/live", "X-Forwarded-For", "203.0.113.1").status(), is(429));
            assertThat(api.get("/health/live", "X-Forwarded-For", "203.0.113.2").status(), is(200));
        }
        try (TestApp app = TestApp.start(Map.of("http.rate.limit", "1", "http.rate.burst", "2"))) {
            ApiClient api = app.client().withKey(null);  // without a key: one bucket per client address
            // No trusted proxy: the header is the client's own claim, and changing it buys no more requests.
            for (int i = 0; i < 2; i++) {
                assertThat(api.get("/health/live", "X-Forwarded-For", "203.0.113." + i).status(), is(200));
            }
            assertThat(api.get("/health/live", "X-Forwarded-For", "203.0.113.9").status(), is(429));
        }
    }

    @Test
    void emptyBucketGetsRateLimitedProblemWithRetryAfter() {
        try (TestApp app = TestApp.start(Map.of("http.rate.limit", "1", "http.rate.burst", "3"))) {
            ApiClient api = app.client().withKey(null);  // without a key: one bucket per client address
            for (int i = 0; i < 3; i++) {
                ApiClient.Response ok = api.get("/health/live");
                assertThat(ok.status(), is(200));
                assertThat(ok.header("X-RateLimit-Limit").orElseThrow(), is("1"));
            }
            ApiClient.Response limited = api.get("/health/live");
            assertThat(limited.status(), is(429));
            assertThat(limited.problemSlug(), is("rate-limited"));
            assertThat(limited.header("Retry-After").orElseThrow(), is("1"));
            assertThat(limited.header("X-RateLimit-Remaining").orElseThrow(), is("0"));
        }
    }

    @Test
    void bucketsRefillAndIdleOnesAreEvicted() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(10, 20, TrustedProxies.none(), now::get);
        for (int i = 19; i >= 0; i--) {
            assertThat(limiter.acquire("10.0.0.1"), is((long) i));
        }
        assertThat(limiter.acquire("10.0.0.1"), is(-1L));
        now.addAndGet(100_000_000L); // 0.1 s refills one token
        assertThat(limiter.acquire("10.0.0.1"), is(0L));
        assertThat(limiter.acquire("10.0.0.2"), is(19L));
        assertThat(limiter.trackedClients(), is(2));
        now.addAndGet(61_000_000_000L); // idle past the sweep interval: both buckets are full again and go
        assertThat(limiter.acquire("10.0.0.3"), is(19L));
        assertThat(limiter.trackedClients(), is(1));
        assertThat(limiter.acquire("10.0.0.1"), is(19L));
    }
}
