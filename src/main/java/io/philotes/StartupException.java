package io.philotes;

/** Startup cannot go on; the message tells the operator why and the code tells scripts. */
final class StartupException extends RuntimeException {
    private final ExitCode exitCode;

    StartupException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    ExitCode exitCode() {
        return exitCode;
    }
}
