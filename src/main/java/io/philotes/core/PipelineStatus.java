package io.philotes.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Where a pipeline stands; in JSON and in the metadata database as the lower-case word. */
public enum PipelineStatus {
    STOPPED, STARTING, RUNNING, STOPPING, ERROR;

    /** The words, for messages: "stopped, starting, running, stopping, error". */
    public static final String WORDS = Arrays.stream(values()).map(PipelineStatus::text).collect(Collectors.joining(", "));

    private final String text = name().toLowerCase(Locale.ROOT);

    /**
     * A status from its word.
     *
     * @param text the word, e.g. {@code running}
     * @return the status, empty for any other text
     */
    public static Optional<PipelineStatus> parse(String text) {
        for (PipelineStatus status : values()) {
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
    public static PipelineStatus stored(String text) {
        return parse(text).orElseThrow(() -> new IllegalStateException("Unknown pipeline status '" + text + "' in the metadata database"));
    }

    /**
     * The word in JSON and in the database.
     *
     * @return e.g. {@code running}
     */
    public String text() {
        return text;
    }

    /**
     * Whether the engine holds the pipeline (in error it keeps retrying), so its definition must not change
     * under it and its source cannot go.
     *
     * @return true for every status but stopped
     */
    public boolean engaged() {
        return this != STOPPED;
    }

    /**
     * Whether a stop was asked for or is done, so another stop has nothing to do.
     *
     * @return true for stopped and stopping
     */
    public boolean stoppedOrStopping() {
        return this == STOPPED || this == STOPPING;
    }

    /**
     * The status for a sentence ("Pipeline x is ...").
     *
     * @return e.g. {@code running}, or {@code in error (the engine keeps retrying)}
     */
    public String describe() {
        return this == ERROR ? "in error (the engine keeps retrying)" : text();
    }
}
