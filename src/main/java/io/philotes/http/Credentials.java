package io.philotes.http;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import io.philotes.auth.Authentication;
import io.philotes.auth.Principal;

/**
 * The key a request carries, checked only when a route needs it: a public route never waits for the database,
 * and the rate limiter buckets a request before any look-up (by its key when this instance checked the key a
 * moment ago, else by the client's address), so a flood of made-up keys costs no queries beyond the limit.
 */
final class Credentials {
    private final Supplier<Authentication> check;
    private final Supplier<Optional<Principal>> cached;
    private Authentication result;

    private Credentials(Supplier<Authentication> check, Supplier<Optional<Principal>> cached) {
        this.check = check;
        this.cached = cached;
    }

    /* What the request's headers alone decide: no key, a malformed one, or access control off. */
    static Credentials decided(Authentication authentication) {
        Credentials c = new Credentials(() -> authentication, Optional::empty);
        c.result = authentication;
        return c;
    }

    static Credentials key(String key, Function<String, Authentication> check, Function<String, Optional<Principal>> cached) {
        return new Credentials(() -> check.apply(key), () -> cached.apply(key));
    }

    /* Checks the key (once per request). */
    Authentication authentication() {
        if (result == null) {
            result = check.get();
        }
        return result;
    }

    /* Checks the key again (a long response asks while it lasts: the key may have been revoked or have expired since). */
    Authentication recheck() {
        result = check.get();
        return result;
    }

    /* The principal when it is known without a look-up: checked already, or recently on this instance. */
    Optional<Principal> known() {
        if (result != null) {
            return result instanceof Principal p ? Optional.of(p) : Optional.empty();
        }
        return cached.get();
    }

    /* The principal, if the key was checked and is valid; never checks. */
    Optional<Principal> checked() {
        return result instanceof Principal p ? Optional.of(p) : Optional.empty();
    }
}
