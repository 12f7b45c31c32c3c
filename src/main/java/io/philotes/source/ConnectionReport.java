package io.philotes.source;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of a connection test.
 *
 * @param success     connecting and authenticating worked
 * @param cdcReady    every CDC check passed as well
 * @param message     one-line summary
 * @param latencyMs   how long the whole test took
 * @param serverInfo  facts about the server, when connected
 * @param errorDetail the cause of the first failure, if any
 * @param checks      every check, in the contract's order
 */
public record ConnectionReport(boolean success, boolean cdcReady, String message, long latencyMs, Map<String, String> serverInfo,
                               String errorDetail, List<Check> checks) {
    /** A check's outcome. */
    public enum Status {
        PASS, WARN, FAIL, SKIP;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One check.
     *
     * @param name        check name
     * @param status      outcome
     * @param message     what was found
     * @param observed    the value seen, if any
     * @param expected    the value needed, if any
     * @param remediation the SQL or setting that fixes a failure, if any
     * @param durationMs  how long it took
     */
    public record Check(String name, Status status, String message, String observed, String expected, String remediation,
                        long durationMs) {
        static Check skip(String name, String why) {
            return new Check(name, Status.SKIP, why, null, null, null, 0);
        }
    }
}
