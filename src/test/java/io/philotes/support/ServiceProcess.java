package io.philotes.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The service as its own process (java -cp the test class path), on one metadata database and port across restarts. */
public final class ServiceProcess {
    private static final long WAIT_MILLIS = 60_000;
    private final TestPostgres.Coordinates metadata;
    private final int port;
    private final Path log;
    private Process process;

    /**
     * Describes the process; nothing runs yet.
     *
     * @param metadata the metadata database
     * @param port     the HTTP port, the same across restarts
     * @param log      where its output is appended
     */
    public ServiceProcess(TestPostgres.Coordinates metadata, int port, Path log) {
        this.metadata = metadata;
        this.port = port;
        this.log = log;
    }

    /**
     * A port nothing listens on right now.
     *
     * @return the port
     * @throws IOException when no socket can be opened
     */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * The HTTP port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Starts the process and waits until it is ready.
     *
     * @throws IOException          when it cannot be launched
     * @throws InterruptedException when interrupted
     */
    public void start() throws IOException, InterruptedException {
        start(Map.of());
    }

    /**
     * Starts the process with more environment (configuration) and waits until it is ready.
     *
     * @param environment variables to add, e.g. SOURCES_HOSTS_DENY
     * @throws IOException          when it cannot be launched
     * @throws InterruptedException when interrupted
     */
    public void start(Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.philotes.Main")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(Map.of("DB_URL", metadata.url(), "DB_USERNAME", metadata.user(), "DB_PASSWORD",
                metadata.password(), "SERVER_PORT", String.valueOf(port), "SERVER_HOST", "127.0.0.1", "HTTP_RATE_LIMIT", "0",
                "SECRETS_KEYS", TestApp.TEST_KEY, "DATA_DIR", TestPostgres.tempDir("philotes-process").toString(),
                "AUTH_BOOTSTRAP_KEY", TestApp.ADMIN_KEY));
        pb.environment().putAll(environment);
        process = pb.start();
        ApiClient probe = new ApiClient(port, false);
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (probe.get("/health/ready").status() == 200) {
                    return;
                }
            } catch (RuntimeException | AssertionError notYet) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new AssertionError("Philotes exited with " + process.exitValue() + "; see " + log);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Philotes did not get ready; see " + log);
    }

    /**
     * Kills the process with SIGKILL: no shutdown hook, no last batch, the metadata transaction in flight is
     * lost.
     *
     * @throws InterruptedException when interrupted
     */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
