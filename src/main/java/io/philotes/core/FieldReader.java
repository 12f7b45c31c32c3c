package io.philotes.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Reads the typed fields of one JSON request object, adding a precise {@link FieldError} for each problem
 * and returning null for a field that is absent or bad, so a request's every failing field is reported at
 * once. Nested objects are read with a prefix ({@code tables[2].}) so errors name the exact field.
 */
public final class FieldReader {
    private final JsonObject body;
    private final List<FieldError> errors;
    private final String prefix;

    /**
     * Creates a reader.
     *
     * @param body   the object
     * @param errors where errors are added
     * @param prefix prefix of every field name in errors, "" at the top level
     */
    public FieldReader(JsonObject body, List<FieldError> errors, String prefix) {
        this.body = body;
        this.errors = errors;
        this.prefix = prefix;
    }

    /**
     * Rejects read-only and unknown fields by name.
     *
     * @param fields   the fields a request may set
     * @param readOnly the fields a response has but a request may not set
     * @param what     what the object is, for the message ("a source field")
     */
    public void onlyFields(Set<String> fields, Set<String> readOnly, String what) {
        for (String key : body.keySet()) {
            if (readOnly.contains(key)) {
                error(key, "is read-only and cannot be set");
            } else if (!fields.contains(key)) {
                error(key, "is not " + what);
            }
        }
    }

    /**
     * Whether the object has a field.
     *
     * @param key field name
     * @return true when present, even as null
     */
    public boolean has(String key) {
        return body.containsKey(key);
    }

    /**
     * Adds an error for a field.
     *
     * @param key     field name, without the prefix
     * @param message what is wrong
     */
    public void error(String key, String message) {
        errors.add(new FieldError(prefix + key, message));
    }

    /**
     * A text field: not null, not empty, within a length, no control characters, no surrounding white space,
     * then the field's own rule.
     *
     * @param key       field name
     * @param required  whether absence is an error
     * @param maxLength largest length
     * @param bytes     whether the length counts UTF-8 bytes (PostgreSQL names) or characters
     * @param rule      the field's own check, adding errors through {@link #error}
     * @return the text, or null when absent or bad
     */
    public String text(String key, boolean required, int maxLength, boolean bytes, Consumer<String> rule) {
        return string(key, required, maxLength, bytes, false, rule);
    }

    /**
     * A secret, taken as it is: it may be empty or start with a space, but has no control characters. Error
     * messages never quote it.
     *
     * @param key       field name
     * @param required  whether absence is an error
     * @param maxLength largest length in characters
     * @return the secret, or null when absent or bad
     */
    public String secret(String key, boolean required, int maxLength) {
        return string(key, required, maxLength, false, true, s -> { });
    }

    private String string(String key, boolean required, int maxLength, boolean bytes, boolean secret, Consumer<String> rule) {
        JsonValue value = body.get(key);
        if (value == null) {
            if (required) {
                error(key, "is required");
            }
            return null;
        }
        if (!(value instanceof JsonString s)) {
            error(key, value == JsonValue.NULL ? "must not be null" : "must be a string");
            return null;
        }
        String text = s.getString();
        int length = bytes ? text.getBytes(StandardCharsets.UTF_8).length : text.codePointCount(0, text.length());
        if (text.isEmpty() && !secret) {
            error(key, "must not be empty");
        } else if (length > maxLength) {
            error(key, "must be at most " + maxLength + (bytes ? " bytes" : " characters"));
        } else if (text.chars().anyMatch(Character::isISOControl)) {
            error(key, "must not contain control characters");
        } else if (!secret && !text.equals(text.strip())) {
            error(key, "must not start or end with white space");
        } else {
            int before = errors.size();
            rule.accept(text);
            return errors.size() == before ? text : null;
        }
        return null;
    }

    /**
     * A PostgreSQL name as it is stored in the catalog: any characters but NUL, 1 to 63 bytes in UTF-8
     * (quotes, dots, spaces and letters of any case are all legal in a quoted identifier).
     *
     * @param key          field name
     * @param required     whether absence is an error
     * @param defaultValue the value when absent
     * @return the name, the default when absent, or null when bad
     */
    public String name(String key, boolean required, String defaultValue) {
        JsonValue value = body.get(key);
        if (value == null) {
            if (required) {
                error(key, "is required");
            }
            return defaultValue;
        }
        if (!(value instanceof JsonString s)) {
            error(key, value == JsonValue.NULL ? "must not be null" : "must be a string");
            return null;
        }
        String text = s.getString();
        int length = text.getBytes(StandardCharsets.UTF_8).length;
        if (length < 1 || length > 63 || text.indexOf('\u0000') >= 0) {
            error(key, "must be a PostgreSQL name: 1 to 63 bytes in UTF-8, without NUL characters");
            return null;
        }
        return text;
    }

    /**
     * A whole number within bounds.
     *
     * @param key     field name
     * @param min     smallest value
     * @param max     largest value
     * @return the number, or null when absent or bad
     */
    public Long whole(String key, long min, long max) {
        JsonValue value = body.get(key);
        if (value == null) {
            return null;
        }
        long number;
        try {
            number = value instanceof JsonNumber n && n.isIntegral() ? n.longValueExact() : min - 1;
        } catch (ArithmeticException e) {
            number = min - 1;
        }
        if (number < min || number > max) {
            error(key, "must be a whole number from " + min + " to " + max);
            return null;
        }
        return number;
    }

    /**
     * A duration written as configuration writes it ({@code 30s}, {@code 5m}, {@code 24h}), within bounds.
     *
     * @param key     field name
     * @param min     shortest
     * @param max     longest
     * @param example a value to show in the error, e.g. {@code "30s"}
     * @return the duration, or null when absent or bad
     */
    public Duration duration(String key, Duration min, Duration max, String example) {
        JsonValue value = body.get(key);
        if (value == null) {
            return null;
        }
        Duration d = value instanceof JsonString s ? Durations.parse(s.getString()) : null;
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            error(key, "must be a duration from " + Durations.text(min) + " to " + Durations.text(max) + ", like \"" + example + "\"");
            return null;
        }
        return d;
    }

    /**
     * A boolean.
     *
     * @param key field name
     * @return the value, or null when absent or bad
     */
    public Boolean bool(String key) {
        JsonValue value = body.get(key);
        if (value == null) {
            return null;
        }
        if (value == JsonValue.TRUE || value == JsonValue.FALSE) {
            return value == JsonValue.TRUE;
        }
        error(key, "must be true or false");
        return null;
    }

    /**
     * An id.
     *
     * @param key      field name
     * @param required whether absence is an error
     * @return the id, or null when absent or bad
     */
    public UUID uuid(String key, boolean required) {
        JsonValue value = body.get(key);
        if (value == null) {
            if (required) {
                error(key, "is required");
            }
            return null;
        }
        UUID id = value instanceof JsonString s ? uuid(s.getString()) : null;
        if (id == null) {
            error(key, "must be an id (a UUID string)");
        }
        return id;
    }

    /**
     * An id in its canonical text form, the only form the API takes.
     *
     * @param text the text
     * @return the id, or null for anything else
     */
    public static UUID uuid(String text) {
        try {
            UUID id = UUID.fromString(text);
            return id.toString().equalsIgnoreCase(text) ? id : null;
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    /**
     * A JSON object.
     *
     * @param key field name
     * @return the object, or null when absent or not an object
     */
    public JsonObject object(String key) {
        JsonValue value = body.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof JsonObject o) {
            return o;
        }
        error(key, "must be a JSON object");
        return null;
    }

    /**
     * The prefix for the fields of a nested value.
     *
     * @param key field name
     * @return e.g. {@code tables} under a prefix of {@code ""}
     */
    public String nested(String key) {
        return prefix + key;
    }
}
