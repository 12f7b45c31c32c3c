package io.philotes.auth;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.philotes.core.ApiException;
import io.philotes.core.ProblemType;

/**
 * A request that access control turned away, with the reason counted in {@code philotes_auth_failures_total}.
 * No detail ever says whether a key id exists: an unknown id, a wrong secret and a revoked key read the same.
 *
 * @param reason why
 * @param detail the problem's detail
 */
public record Denial(Reason reason, String detail) implements Authentication {
    /** Why a request was turned away; the metric's {@code reason} label. */
    public enum Reason {
        /** No key on a route that needs one. */
        MISSING,
        /** An Authorization or X-API-Key header that is not a key. */
        MALFORMED,
        /** Not a key this service knows (unknown, wrong secret or revoked). */
        INVALID,
        /** A key past its expires_at. */
        EXPIRED,
        /** A valid key without the route's permission. */
        FORBIDDEN,
        /** The key could not be checked: the metadata database is unavailable (503). */
        UNAVAILABLE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final Denial MISSING_KEY = new Denial(Reason.MISSING,
            "This request needs an API key: send Authorization: Bearer <key> (or X-API-Key: <key>)");
    static final Denial INVALID_KEY = new Denial(Reason.INVALID, "The API key is not valid");
    private static final Denial UNAVAILABLE_KEYS = new Denial(Reason.UNAVAILABLE,
            "The metadata database is unavailable, so the API key cannot be checked; retry shortly");

    public static Denial malformed(String detail) {
        return new Denial(Reason.MALFORMED, detail);
    }

    static Denial forbidden(String detail) {
        return new Denial(Reason.FORBIDDEN, detail);
    }

    /**
     * The problem response: 401 with {@code WWW-Authenticate: Bearer} (RFC 6750), or 403 naming the permission.
     *
     * @return the problem
     */
    public ApiException problem() {
        if (reason == Reason.FORBIDDEN) {
            return new ApiException(ProblemType.FORBIDDEN, detail);
        }
        if (reason == Reason.UNAVAILABLE) {
            return new ApiException(ProblemType.SERVICE_UNAVAILABLE, detail, List.of(), Map.of("Retry-After", "5"));
        }
        String challenge = switch (reason) {
            case MISSING -> "Bearer realm=\"philotes\"";
            case MALFORMED -> "Bearer realm=\"philotes\", error=\"invalid_request\"";
            default -> "Bearer realm=\"philotes\", error=\"invalid_token\"";
        };
        return new ApiException(ProblemType.UNAUTHORIZED, detail, List.of(), Map.of("WWW-Authenticate", challenge));
    }

    /** A key that could not be checked, because the metadata database is unavailable. */
    public static Denial unavailable() {
        return UNAVAILABLE_KEYS;
    }

    /** The missing key, for a request that carried none. */
    public static Denial missing() {
        return MISSING_KEY;
    }
}
