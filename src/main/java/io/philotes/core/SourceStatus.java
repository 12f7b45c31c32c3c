package io.philotes.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What the last connection test said of a source; in JSON and in the metadata database as the lower-case word. */
public enum SourceStatus {
    /** Not tested since it was created or its connection changed. */
    INACTIVE,
    /** The last test passed every check. */
    ACTIVE,
    /** The last test failed a check. */
    ERROR;

    /** The words, for messages: "inactive, active, error". */
    public static final String WORDS = Arrays.stream(values()).map(SourceStatus::text).collect(Collectors.joining(", "));

    private final String text = name().toLowerCase(Locale.ROOT);

    /**
     * A status from its word.
     *
     * @param text the word, e.g. {@code active}
     * @return the status, empty for any other text
     */
    public static Optional<SourceStatus> parse(String text) {
        for (SourceStatus status : values()) {
            if (status.text.equals(text)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }

    /**
     * A status as stored.
     *
     * @param text the stored word
     * @return the status
     * @throws IllegalStateException for a word this build does not know
     */
    public static SourceStatus stored(String text) {
        return parse(text).orElseThrow(() -> new IllegalStateException("Unknown source status '" + text + "' in the metadata database"));
    }

    /**
     * The status a connection test leaves.
     *
     * @param cdcReady whether every check passed
     * @return active or error
     */
    public static SourceStatus afterTest(boolean cdcReady) {
        return cdcReady ? ACTIVE : ERROR;
    }

    /**
     * The word in JSON and in the database.
     *
     * @return e.g. {@code active}
     */
    public String text() {
        return text;
    }
}
