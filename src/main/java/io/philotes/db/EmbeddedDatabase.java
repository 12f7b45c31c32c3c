package io.philotes.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL run from binaries inside the application, for a first try without installing a
 * database. Its data directory is kept across restarts; commits are synchronous and WAL is logical so the
 * same server can also serve as a CDC source while trying Philotes out.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedDatabase.class.getName());
    private static final String USER = "postgres";
    private static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;
    private final Path directory;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
    }

    /**
     * Whether this build carries PostgreSQL binaries for this machine; the slim runtime image does not.
     *
     * @return true when {@link #start} can work
     */
    public static boolean available() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        String system = os.contains("linux") ? "linux" : os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : os;
        String machine = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
        // The file name zonky's binary resolver looks for.
        return EmbeddedDatabase.class.getClassLoader().getResource("postgres-" + system + "-" + machine + ".txz") != null;
    }

    /**
     * Starts (and on first use initializes) the embedded server.
     *
     * @param directory data directory, created when missing
     * @param port      TCP port on localhost, 0 for any free one
     * @return the running server
     */
    public static EmbeddedDatabase start(Path directory, int port) {
        try {
            Files.createDirectories(directory);
            stopLeftover(directory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_connections", "100");
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            EmbeddedDatabase db = new EmbeddedDatabase(postgres, directory);
            LOG.log(System.Logger.Level.INFO, "Embedded PostgreSQL is running with its data in {0}; connect with: "
                    + "psql -h localhost -p {1,number,#} -U " + USER + " " + DATABASE, directory, postgres.getPort());
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("The embedded PostgreSQL in " + directory + " could not start: " + e.getMessage(), e);
        }
    }

    /**
     * JDBC URL of the metadata database on this server.
     *
     * @return URL without credentials (the embedded server trusts local connections)
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
    }

    /**
     * User name to connect as.
     *
     * @return the superuser created by initdb
     */
    public String user() {
        return USER;
    }

    /**
     * The port it listens on.
     *
     * @return TCP port on localhost
     */
    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
            LOG.log(System.Logger.Level.INFO, "Embedded PostgreSQL in {0} stopped", directory);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Embedded PostgreSQL in " + directory + " did not stop cleanly", e);
        }
    }

    /*
     * A Philotes process that was killed leaves its PostgreSQL running (pg_ctl daemonizes it), holding
     * the data directory. Stop it the way PostgreSQL recommends: SIGTERM, then wait.
     */
    private static void stopLeftover(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> process = Files.readAllLines(pidFile).stream().findFirst()
                .map(String::trim)
                .filter(s -> s.matches("\\d+"))
                .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid)))
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (process.isEmpty()) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "Stopping the embedded PostgreSQL (pid {0,number,#}) left running by an earlier"
                + " Philotes process in {1}", process.get().pid(), directory);
        process.get().destroy();
        try {
            process.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("PostgreSQL pid " + process.get().pid() + " still holds " + directory, e);
        }
    }
}
