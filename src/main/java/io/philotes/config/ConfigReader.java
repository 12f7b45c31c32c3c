package io.philotes.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.helidon.config.Config;
import io.philotes.core.Durations;

/**
 * Reads typed values and collects every problem instead of stopping at the first, so one failed start
 * tells the operator everything that is wrong. Messages name the key and its environment variable but
 * never echo the value of a secret.
 */
final class ConfigReader {
    private final Config root;
    private final List<String> problems = new ArrayList<>();

    ConfigReader(Config root) {
        this.root = root;
    }

    String string(String key) {
        return raw(key).orElse("");
    }

    String secret(String key) {
        return root.get(key).asString().orElse("");
    }

    int integer(String key, int min, int max) {
        return (int) whole(key, min, max, "");
    }

    long bytes(String key, long min, long max) {
        return whole(key, min, max, " bytes");
    }

    private long whole(String key, long min, long max, String unit) {
        Optional<String> value = raw(key);
        if (value.isEmpty()) {
            return missing(key, min);
        }
        try {
            long parsed = Long.parseLong(value.get().trim());
            if (parsed < min || parsed > max) {
                problem(key, value.get(), "must be between " + min + " and " + max + unit);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(key, value.get(), "is not a whole number" + (unit.isEmpty() ? "" : " of" + unit));
            return min;
        }
    }

    Duration duration(String key, Duration min, Duration max) {
        Optional<String> value = raw(key);
        if (value.isEmpty()) {
            missing(key, 0);
            return min;
        }
        Duration parsed = Durations.parse(value.get().trim());
        if (parsed == null) {
            problem(key, value.get(), "is not a duration (examples: 500ms, 5s, 2m, 1h, 7d, PT5S)");
            return min;
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            problem(key, value.get(), "must be between " + Durations.text(min) + " and " + Durations.text(max));
        }
        return parsed;
    }

    String oneOf(String key, Set<String> allowed) {
        String value = string(key).trim();
        if (!allowed.contains(value)) {
            problem(key, value, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return value;
    }

    List<String> list(String key) {
        return Arrays.stream(string(key).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    boolean bool(String key) {
        String value = string(key).trim();
        if (!value.equals("true") && !value.equals("false")) {
            problem(key, value, "must be true or false");
        }
        return value.equals("true");
    }

    /* A problem with a secret: the message names the key, never its value. */
    void requireSecret(boolean condition, String key, String message) {
        if (!condition) {
            problems.add(key + " (" + envName(key) + ") " + message);
        }
    }

    void require(boolean condition, String key, String value, String message) {
        if (!condition) {
            problem(key, value, message);
        }
    }

    void add(List<String> more) {
        problems.addAll(more);
    }

    void check() {
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "_dash_");
    }

    private Optional<String> raw(String key) {
        return root.get(key).asString().asOptional();
    }

    private long missing(String key, long fallback) {
        problems.add(key + " (" + envName(key) + ") is not set");
        return fallback;
    }

    private void problem(String key, String value, String message) {
        problems.add(key + " (" + envName(key) + ") = '" + value + "' " + message);
    }
}
