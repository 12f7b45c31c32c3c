package io.philotes.auth;

/** What the credentials of a request came to: a {@link Principal}, or a {@link Denial} saying why not. */
public sealed interface Authentication permits Principal, Denial {
}
