package io.philotes.source;

/** A source could not be reached or used; the message names the cause and never holds a password. */
public final class SourceFailure extends RuntimeException {
    private final Cause cause;

    SourceFailure(Cause cause, String message) {
        super(message, null, false, false);
        this.cause = cause;
    }

    public Cause kind() {
        return cause;
    }

    /** Why a source could not be used. */
    public enum Cause {
        UNKNOWN_HOST("unknown host"),
        DENIED("denied by host policy"),
        REFUSED("connection refused"),
        TIMEOUT("timeout"),
        AUTHENTICATION("authentication failed"),
        TLS("TLS"),
        NO_DATABASE("database does not exist"),
        OTHER("error");

        private final String label;

        Cause(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
