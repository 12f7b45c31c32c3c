package io.philotes.http;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The id that ties a response to its access-log line. A well-formed client value is kept so callers can
 * correlate across services; anything else is replaced by a fresh UUID.
 *
 * @param value the id
 */
public record RequestId(String value) {
    /** The request and response header. */
    public static final HeaderName HEADER = HeaderNames.create("X-Request-ID");
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    static RequestId from(ServerRequest request) {
        Optional<String> given = request.headers().first(HEADER);
        return new RequestId(given.filter(v -> ALLOWED.matcher(v).matches()).orElseGet(RequestId::fresh));
    }

    /* A random (version 4) UUID. Request ids need uniqueness, not secrecy: SecureRandom's lock showed in profiles. */
    static String fresh() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /**
     * The id of a request being handled.
     *
     * @param request the request
     * @return its id (a fresh one if the filter has not run, which only happens for direct server errors)
     */
    public static String of(ServerRequest request) {
        return request.context().get(RequestId.class).map(RequestId::value).orElseGet(RequestId::fresh);
    }
}
