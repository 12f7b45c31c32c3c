package io.philotes.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * A new consumer in a request, validated.
 *
 * @param name              1 to 63 letters, digits, '.', '_' or '-' (it is a path segment), starting with a letter or digit
 * @param start             where it starts: {@code earliest} (the oldest retained event), {@code latest} (only events
 *                          stored after it is created) or a seq (its first event)
 * @param visibilityTimeout how long a reader holds a batch before it is delivered again (1 s to 12 h, 30 s by default)
 */
record ConsumerDraft(String name, Start start, Duration visibilityTimeout) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final Duration MIN_VISIBILITY = Duration.ofSeconds(1);
    static final Duration MAX_VISIBILITY = Duration.ofHours(12);
    private static final Duration DEFAULT_VISIBILITY = Duration.ofSeconds(30);
    private static final Set<String> FIELDS = Set.of("name", "start", "visibility_timeout");
    private static final Set<String> READ_ONLY = Set.of("pipeline_id", "cursor", "delivered_seq", "lag_events", "lag_seconds", "batches_held",
                                                        "created_at", "last_ack_at", "last_delivery_at", "expired", "first_seq",
                                                        "last_seq");

    /**
     * Where a new consumer starts.
     *
     * @param word earliest or latest, or null for a seq
     * @param seq  the first seq it reads, when no word
     */
    record Start(String word, long seq) {
        static final Start EARLIEST = new Start("earliest", 0);
        static final Start LATEST = new Start("latest", 0);
    }

    static ConsumerDraft parse(JsonObject body) {
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(FIELDS, READ_ONLY, "a consumer field (name, start, visibility_timeout)");
        String name = r.text("name", true, 63, false, n -> {
            if (!NAME.matcher(n).matches()) {
                r.error("name", "must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
        });
        Start start = start(body.get("start"), r);
        Duration visibility = r.duration("visibility_timeout", MIN_VISIBILITY, MAX_VISIBILITY, "30s");
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return new ConsumerDraft(name, start, visibility == null ? DEFAULT_VISIBILITY : visibility);
    }

    private static Start start(JsonValue value, FieldReader r) {
        if (value == null) {
            return Start.EARLIEST;
        }
        if (value instanceof JsonString s && s.getString().equals("earliest")) {
            return Start.EARLIEST;
        }
        if (value instanceof JsonString s && s.getString().equals("latest")) {
            return Start.LATEST;
        }
        if (value instanceof JsonNumber n && n.isIntegral() && n.bigIntegerValue().signum() > 0 && n.bigIntegerValue().bitLength() < 63) {
            return new Start(null, n.longValue());
        }
        r.error("start", "must be \"earliest\", \"latest\" or the seq of the first event to read (a whole number from 1)");
        return null;
    }
}
