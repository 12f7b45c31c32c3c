package io.philotes.http;

import java.util.function.BooleanSupplier;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.philotes.auth.Authentication;
import io.philotes.auth.Denial;
import io.philotes.auth.KeyService;
import io.philotes.auth.Principal;
import io.philotes.db.DatabaseErrors;

/**
 * Reads the key a request carries ({@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}) and leaves
 * its {@link Credentials} in the request's context. Nothing is refused and nothing is looked up here: the
 * routing table decides, per route, whether the route needs a key and only then checks it (see
 * {@link ApiRoutes}), so a public route is served whatever the key, even while the database is down.
 */
public final class Authenticator implements Filter {
    static final HeaderName API_KEY = HeaderNames.create("X-API-Key");
    private static final String BEARER = "Bearer ";

    private final KeyService keys;
    private final BooleanSupplier databaseReady;

    private Authenticator(KeyService keys, BooleanSupplier databaseReady) {
        this.keys = keys;
        this.databaseReady = databaseReady;
    }

    /**
     * Checks keys.
     *
     * @param keys          the keys
     * @param databaseReady whether the metadata database can be asked now (no key is looked up while it cannot)
     * @return the filter
     */
    public static Authenticator checking(KeyService keys, BooleanSupplier databaseReady) {
        return new Authenticator(keys, databaseReady);
    }

    /**
     * Access control off: every request is an admin without a key.
     *
     * @return the filter
     */
    public static Authenticator off() {
        return new Authenticator(null, () -> true);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        request.context().register(keys == null ? Credentials.decided(Principal.UNCHECKED) : credentials(request.headers()));
        chain.proceed();
    }

    private Credentials credentials(Headers headers) {
        Header authorization = headers.contains(HeaderNames.AUTHORIZATION) ? headers.get(HeaderNames.AUTHORIZATION) : null;
        Header apiKey = headers.contains(API_KEY) ? headers.get(API_KEY) : null;
        if (authorization != null && authorization.valueCount() > 1 || apiKey != null && apiKey.valueCount() > 1) {
            return Credentials.decided(Denial.malformed("Send one key, in one Authorization or X-API-Key header"));
        }
        String key = null;
        if (authorization != null) {
            key = bearer(authorization.get());
            if (key == null) {
                return Credentials.decided(Denial.malformed("The Authorization header must be 'Bearer <key>'"));
            }
        }
        if (apiKey != null) {
            String value = apiKey.get().strip();
            if (key != null && !key.equals(value)) {
                return Credentials.decided(Denial.malformed("Authorization and X-API-Key carry different keys; send one"));
            }
            key = value;
        }
        return key == null ? Credentials.decided(Denial.missing()) : Credentials.key(key, this::check, keys::cached);
    }

    /* The key of "Bearer <key>" (the scheme in any case, no space inside the key), or null. */
    private static String bearer(String value) {
        if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String key = value.substring(BEARER.length()).strip();
        return key.isEmpty() || key.chars().anyMatch(Character::isWhitespace) ? null : key;
    }

    private Authentication check(String key) {
        if (!databaseReady.getAsBoolean()) {
            return Denial.unavailable();
        }
        try {
            return keys.authenticate(key);
        } catch (RuntimeException e) {
            if (DatabaseErrors.isConnectionFailure(e)) {
                return Denial.unavailable();
            }
            throw e;
        }
    }
}
