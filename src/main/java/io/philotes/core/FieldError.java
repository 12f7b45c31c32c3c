package io.philotes.core;

/**
 * One failed field rule.
 *
 * @param field   the request field, in its JSON spelling (nested fields as {@code tables[0].table})
 * @param message what is wrong with it, without echoing secrets
 */
public record FieldError(String field, String message) {
}
