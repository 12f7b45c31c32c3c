package io.philotes.core;

import java.util.Locale;

/** What the last connection test said of a source; in JSON and in the metadata database as the lower-case word. */
public enum SourceStatus {
    /** Not tested since it was created or its connection changed. */
    INACTIVE,
    /** The last test passed every check. */
    ACTIVE,
    /** The last test failed a check. */
    ERROR;

    /** The words: inactive, active, error. */
    public static final Words<SourceStatus> WORDS = new Words<>(SourceStatus.class, "source status");

    private final String text = name().toLowerCase(Locale.ROOT);

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
