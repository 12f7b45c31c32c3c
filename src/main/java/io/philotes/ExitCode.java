package io.philotes;

/** The process exit codes the launcher documents. */
enum ExitCode {
    OK(0),
    FAILURE(1),
    BAD_CONFIGURATION(2),
    PORT_UNAVAILABLE(3),
    DATABASE_FAILURE(4);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }
}
