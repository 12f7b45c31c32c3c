package io.philotes.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;

/**
 * Reads typed values and collects every problem instead of stopping at the first, so one failed start
 * tells the operator everything that is wrong. Messages name the key and its environment variable but
 * never echo the value of a secret.
 */
final class ConfigReader {
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

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
        Duration parsed = parseDuration(value.get().trim());
        if (parsed == null) {
            problem(key, value.get(), "is not a duration (examples: 500ms, 5s, 2m, 1h, 7d, PT5S)");
            return min;
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            problem(key, value.get(), "must be between " + human(min) + " and " + human(max));
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

    private static Duration parseDuration(String text) {
        Matcher m = SIMPLE_DURATION.matcher(text);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
