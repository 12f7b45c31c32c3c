package io.philotes.pipeline;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import io.philotes.core.FieldReader;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * The settings a {@code config} object may hold, each with its rule. A key the engine does not understand
 * is rejected with the list of those it does, so a typo never passes as a silently ignored setting.
 */
final class ConfigKeys {
    /** Rows per chunk of a table's copy, by default and at least and at most. */
    static final int DEFAULT_CHUNK = 10_000;
    static final int MIN_CHUNK = 100;
    static final int MAX_CHUNK = 1_000_000;
    /** A pipeline's settings. */
    static final ConfigKeys PIPELINE = new ConfigKeys("pipeline", Map.of(
            "snapshot", v -> oneOf(v, "initial", "never"),
            "snapshot_chunk", v -> between(v, MIN_CHUNK, MAX_CHUNK)));
    /** A table mapping's settings. */
    static final ConfigKeys TABLE = new ConfigKeys("table", Map.of(
            "allow_full_copy", v -> v == JsonValue.TRUE || v == JsonValue.FALSE ? null : "must be true or false"));

    private final String owner;
    private final Map<String, Function<JsonValue, String>> rules;

    private ConfigKeys(String owner, Map<String, Function<JsonValue, String>> rules) {
        this.owner = owner;
        this.rules = new TreeMap<>(rules);
    }

    /**
     * Checks a config object, adding an error per bad key.
     *
     * @param config the object
     * @param r      the reader of the object that holds it
     * @param key    its field name there
     */
    void check(JsonObject config, FieldReader r, String key) {
        config.forEach((name, value) -> {
            Function<JsonValue, String> rule = rules.get(name);
            String problem = rule == null ? unknown() : rule.apply(value);
            if (problem != null) {
                r.error(key + "." + name, problem);
            }
        });
    }

    private String unknown() {
        return rules.isEmpty() ? "is not a " + owner + " setting; a " + owner + " has no settings yet, so config must be {}"
                : "is not a " + owner + " setting; known settings: " + String.join(", ", rules.keySet());
    }

    private static String between(JsonValue value, int min, int max) {
        if (value instanceof JsonNumber n && n.isIntegral() && n.bigDecimalValue().compareTo(BigDecimal.valueOf(min)) >= 0
            && n.bigDecimalValue().compareTo(BigDecimal.valueOf(max)) <= 0) {
            return null;
        }
        return "must be a whole number from " + min + " to " + max;
    }

    private static String oneOf(JsonValue value, String... allowed) {
        for (String a : allowed) {
            if (value instanceof JsonString s && s.getString().equals(a)) {
                return null;
            }
        }
        return "must be one of " + String.join(", ", allowed);
    }
}
