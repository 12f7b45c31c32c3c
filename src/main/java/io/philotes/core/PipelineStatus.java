package io.philotes.core;

import java.util.Locale;

/** Where a pipeline stands; in JSON and in the metadata database as the lower-case word. */
public enum PipelineStatus {
    STOPPED, STARTING, RUNNING, STOPPING, ERROR;

    /** The words: stopped, starting, running, stopping, error. */
    public static final Words<PipelineStatus> WORDS = new Words<>(PipelineStatus.class, "pipeline status");

    private final String text = name().toLowerCase(Locale.ROOT);

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
        return this == ERROR ? "in error (the engine keeps retrying)" : text;
    }
}
