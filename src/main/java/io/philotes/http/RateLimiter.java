package io.philotes.http;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.philotes.auth.Principal;
import io.philotes.config.Settings;
import io.philotes.core.ApiException;
import io.philotes.core.ProblemType;
import io.philotes.net.TrustedProxies;

/**
 * A token bucket per API key for requests with a valid key, and per client address for the others (with no
 * key, a bad one, or one this instance has not checked in the last moment: no key is looked up before the
 * limit, so made-up keys cost no queries). Buckets that have been idle long enough to be full again are
 * evicted, which changes nothing for their clients and keeps memory bounded by the active clients.
 */
public final class RateLimiter implements Filter {
    private static final HeaderName LIMIT = HeaderNames.create("X-RateLimit-Limit");
    private static final HeaderName REMAINING = HeaderNames.create("X-RateLimit-Remaining");
    private static final long NANOS = 1_000_000_000L;
    private static final long SWEEP_EVERY = 60 * NANOS;

    private final int rate;
    private final int burst;
    private final LongSupplier clock;
    private final TrustedProxies proxies;
    private final long idleBeforeEviction;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;

    /**
     * The limiter the settings ask for: none when the rate is 0.
     *
     * @param http the HTTP settings
     * @return a filter
     */
    public static Filter of(Settings.Http http) {
        return http.rateLimit() == 0 ? (chain, request, response) -> chain.proceed()
                : new RateLimiter(http.rateLimit(), http.rateBurst(), http.trustedProxies(), System::nanoTime);
    }

    RateLimiter(int rate, int burst, TrustedProxies proxies, LongSupplier clock) {
        this.proxies = proxies;
        this.rate = rate;
        this.burst = burst;
        this.clock = clock;
        this.idleBeforeEviction = Math.max(SWEEP_EVERY, (long) Math.ceil((double) burst / rate * NANOS));
        this.nextSweep = new AtomicLong(clock.getAsLong() + SWEEP_EVERY);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        String keyId = request.context().get(Credentials.class).flatMap(Credentials::known).map(Principal::keyId).orElse(null);
        long remaining = acquire(keyId != null ? "key " + keyId : ClientAddress.of(request, proxies));
        response.header(LIMIT, String.valueOf(rate));
        if (remaining < 0) {
            long retryAfter = -remaining;
            throw new ApiException(ProblemType.RATE_LIMITED, "More than " + rate + " requests per second (burst " + burst + ") "
                    + (keyId != null ? "with this key" : "from this address") + "; retry in " + retryAfter + " s",
                    List.of(),
                    Map.of("Retry-After", String.valueOf(retryAfter), REMAINING.defaultCase(), "0"));
        }
        response.header(REMAINING, String.valueOf(remaining));
        chain.proceed();
    }

    /**
     * Takes a token for a client.
     *
     * @param client the client's address
     * @return tokens left (0 or more) when allowed, or minus the seconds to wait when not
     */
    long acquire(String client) {
        long now = clock.getAsLong();
        sweepIfDue(now);
        double remaining = buckets.computeIfAbsent(client, k -> new Bucket(burst, now)).take(now, rate, burst);
        if (remaining < 0) {
            return -Math.max(1, (long) Math.ceil(-remaining / rate));
        }
        return (long) Math.floor(remaining);
    }

    int trackedClients() {
        return buckets.size();
    }

    private void sweepIfDue(long now) {
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + SWEEP_EVERY)) {
            buckets.entrySet().removeIf(e -> e.getValue().idleSince(now) >= idleBeforeEviction);
        }
    }

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.last = now;
        }

        /* Returns the tokens left after taking one, or how far short the bucket is (negative). */
        synchronized double take(long now, int rate, int burst) {
            tokens = Math.min(burst, tokens + (now - last) / (double) NANOS * rate);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return tokens;
            }
            return tokens - 1;
        }

        synchronized long idleSince(long now) {
            return now - last;
        }
    }
}
