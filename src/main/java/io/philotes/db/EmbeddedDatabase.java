package io.philotes.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.philotes.crypto.PrivateFiles;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGConnection;

/**
 * A real PostgreSQL run from binaries inside the application, for a first try without installing a
 * database. Its data directory is kept across restarts; commits are synchronous. It listens on loopback only
 * and every connection, local or loopback, must give the password generated at its first start (kept beside
 * the data directory, mode 0600; scram-sha-256): another local user or process cannot walk into the metadata
 * database (or the key file beside it). The host policy never lets it be a CDC source either.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedDatabase.class.getName());
    private static final String USER = "postgres";
    private static final String DATABASE = "postgres";
    /* Every connection needs the password; written over what an earlier build's initdb left (trust). */
    private static final String HBA = """
            # Written by Philotes: a password (scram-sha-256) for every connection, local or loopback.
            local   all          all                  scram-sha-256
            host    all          all   127.0.0.1/32   scram-sha-256
            host    all          all   ::1/128        scram-sha-256
            local   replication  all                  scram-sha-256
            host    replication  all   127.0.0.1/32   scram-sha-256
            host    replication  all   ::1/128        scram-sha-256
            """;

    private final EmbeddedPostgres postgres;
    private final Path directory;
    private final String password;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory, String password) {
        this.postgres = postgres;
        this.directory = directory;
        this.password = password;
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
     * @param directory    data directory, created when missing
     * @param port         TCP port on localhost, 0 for any free one
     * @param passwordFile the superuser's password, generated (mode 0600) when missing
     * @return the running server
     */
    public static EmbeddedDatabase start(Path directory, int port, Path passwordFile) {
        Path initPassword = directory.resolveSibling("." + directory.getFileName() + "-initdb-password");
        try {
            Files.createDirectories(directory);
            stopLeftover(directory);
            boolean fresh = !Files.exists(directory.resolve("PG_VERSION"));
            Path hba = directory.resolve("pg_hba.conf");
            if (!fresh && !Files.exists(passwordFile) && Files.exists(hba) && Files.readString(hba).equals(HBA)) {
                throw new IOException(passwordFile + " is missing, and the server in " + directory + " only accepts the password"
                        + " that file held: restore it (a new one cannot open the existing data)");
            }
            String password = PrivateFiles.readOrCreate(passwordFile, EmbeddedDatabase::newPassword);
            if (!password.matches("[A-Za-z0-9_-]{32,}")) {
                throw new IOException(passwordFile + " does not hold a password this service generated (32 or more of A-Z a-z 0-9 _ -)");
            }
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
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setConnectConfig("password", password);
            if (fresh) {
                // initdb's own options (zonky passes its "locale config" to initdb as --key=value): the superuser
                // gets its password at creation, so the server never accepts a connection without it.
                PrivateFiles.replace(initPassword, password);
                builder.setLocaleConfig("pwfile", initPassword.toString())
                        .setLocaleConfig("auth-local", "scram-sha-256")
                        .setLocaleConfig("auth-host", "scram-sha-256");
            }
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            EmbeddedDatabase db = new EmbeddedDatabase(postgres, directory, password);
            if (!Files.readString(hba).equals(HBA)) {
                db.requirePassword();
            }
            LOG.log(System.Logger.Level.INFO, "Embedded PostgreSQL is running with its data in {0}; connect with: PGPASSWORD=$(cat {2})"
                    + " psql -h localhost -p {1,number,#} -U " + USER + " " + DATABASE, directory, postgres.getPort(), passwordFile);
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("The embedded PostgreSQL in " + directory + " could not start: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(initPassword);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Could not delete {0}: {1}", initPassword, e.getMessage());
            }
        }
    }

    /*
     * A data directory an earlier build created trusts every local connection: give the superuser its password,
     * then make every connection need it and reload (the only connection ever made without a password).
     */
    private void requirePassword() throws IOException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), USER, password); Statement st = c.createStatement()) {
            // The driver sends a SCRAM verifier computed here: the password itself never reaches the server or its log.
            c.unwrap(PGConnection.class).alterUserPassword(USER, password.toCharArray(), "scram-sha-256");
            PrivateFiles.replace(directory.resolve("pg_hba.conf"), HBA.stripTrailing());
            st.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IOException("could not set the password of the embedded PostgreSQL: " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "The embedded PostgreSQL in {0} now requires the password in its password file", directory);
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * JDBC URL of the metadata database on this server.
     *
     * @return URL without credentials
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
     * The superuser's password.
     *
     * @return the password (never printed)
     */
    public String password() {
        return password;
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
