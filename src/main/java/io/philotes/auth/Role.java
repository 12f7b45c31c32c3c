package io.philotes.auth;

import java.util.Locale;

import io.philotes.core.Words;

/** What a key may do; in JSON and in the metadata database as the lower-case word. */
public enum Role {
    /** Everything, including keys and the audit log. */
    ADMIN,
    /** Sources (with tests and discovery), pipelines, mappings, start and stop, events. */
    OPERATOR,
    /** Reads sources, pipelines, their status, consumers and the metrics; not events, which carry row data. */
    VIEWER,
    /** Only the events and consumers of the pipelines the key names. */
    CONSUMER;

    /** The words: admin, operator, viewer, consumer. */
    public static final Words<Role> WORDS = new Words<>(Role.class, "role");

    private final String text = name().toLowerCase(Locale.ROOT);

    public String text() {
        return text;
    }

    /**
     * Whether this role holds a permission.
     *
     * @param permission the permission
     * @return true when granted (for a consumer, on its own pipelines)
     */
    public boolean has(Permission permission) {
        return permission.roles().contains(this);
    }
}
