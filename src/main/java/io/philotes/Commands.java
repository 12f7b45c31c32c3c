package io.philotes;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import io.philotes.config.InvalidConfigException;
import io.philotes.config.Settings;
import io.philotes.crypto.Keyring;
import io.philotes.crypto.SecretBox;
import io.philotes.db.Database;
import io.philotes.db.EmbeddedDatabase;
import io.philotes.db.Migrations;
import io.philotes.db.SqlStatements;
import io.philotes.sink.SinkRepository;
import io.philotes.sink.SinkService;
import io.philotes.source.SourceRepository;
import io.philotes.source.SourceService;
import io.philotes.system.BuildInfo;

/**
 * The command line, {@code philotes [serve|migrate|reencrypt-secrets|version] [--config FILE]}, and the
 * commands besides {@code serve}; each failure is a {@link StartupException} with its documented exit code.
 */
final class Commands {
    private static final System.Logger LOG = System.getLogger(Commands.class.getName());
    private static final String USAGE = "usage: philotes [serve|migrate|reencrypt-secrets [--bind-legacy]|version] [--config FILE]";

    private Commands() {
    }

    /**
     * A parsed command line.
     *
     * @param command    the command, {@code serve} by default
     * @param configFile an extra configuration file, or null
     */
    record Invocation(String command, String configFile, boolean bindLegacy) {
        Settings settings() {
            try {
                return Settings.from(Settings.layered(Map.of(), configFile));
            } catch (InvalidConfigException e) {
                throw new StartupException(ExitCode.BAD_CONFIGURATION, e.getMessage(), null);
            }
        }
    }

    /* Runs a command; a failure ends the process with its documented exit code. */
    static void exitOnFailure(Runnable command) {
        try {
            command.run();
        } catch (StartupException e) {
            System.err.println("philotes: " + e.getMessage());
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            System.exit(e.exitCode().code());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "Philotes failed to start", e);
            System.exit(ExitCode.FAILURE.code());
        }
    }

    static Invocation parse(String[] args) {
        String command = "serve";
        String configFile = null;
        boolean bindLegacy = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "serve", "migrate", "reencrypt-secrets", "version" -> command = args[i];
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        throw usage("--config needs a file path");
                    }
                    configFile = args[++i];
                }
                case "--bind-legacy" -> bindLegacy = true;
                default -> throw usage("unknown argument '" + args[i] + "'");
            }
        }
        if (bindLegacy && !command.equals("reencrypt-secrets")) {
            throw usage("--bind-legacy goes with reencrypt-secrets");
        }
        return new Invocation(command, configFile, bindLegacy);
    }

    static void version() {
        BuildInfo build = BuildInfo.load();
        System.out.println("philotes " + build.version() + " (commit " + build.gitCommit() + ", built " + build.buildTime()
                + ", Java " + Runtime.version() + ")");
    }

    static void migrate(Settings settings) {
        SqlStatements statements = SqlStatements.load();
        Migrations migrations = Migrations.load(statements);
        try (Database database = openDatabase(settings, statements)) {
            List<Migrations.Migration> applied = migrate(migrations, database);
            System.out.println(applied.isEmpty()
                    ? "The metadata database is up to date (version " + migrations.latestVersion() + ")"
                    : "Applied " + applied.stream().map(Migrations.Migration::fileName).toList());
        }
    }

    /* Moves every stored source password to the active key; safe to interrupt and run again. */
    static void reencryptSecrets(Settings settings, boolean bindLegacy) {
        SqlStatements statements = SqlStatements.load();
        try (Database database = openDatabase(settings, statements)) {
            migrate(Migrations.load(statements), database);
            SecretBox secrets = secretBox(settings, database);
            SourceService.Reencrypted done = new SourceService(new SourceRepository(database.client()), secrets, null, null)
                    .reencryptAll(bindLegacy);
            System.out.println("Re-encrypted " + done.moved() + " source password(s) with key '" + secrets.activeKeyId() + "'");
            if (!done.unreadable().isEmpty()) {
                throw new StartupException(ExitCode.FAILURE, done.unreadable().size() + " source password(s) open with no configured key"
                        + (bindLegacy ? "" : " and binding (one an earlier build stored is moved with --bind-legacy, once)")
                        + ": sources " + done.unreadable() + "; keep their key configured, or set each again with"
                        + " PUT /api/v1/sources/{id} {\"password\": ...}", null);
            }
            System.out.println("Every stored source password now uses key '" + secrets.activeKeyId() + "'");
            SinkService.Reencrypted sinks = new SinkService(new SinkRepository(database.client()), null, secrets, null, null).reencryptAll();
            System.out.println("Re-encrypted the secrets and headers of " + sinks.moved() + " webhook sink(s) with key '" + secrets.activeKeyId()
                    + "'");
            if (!sinks.unreadable().isEmpty()) {
                throw new StartupException(ExitCode.FAILURE, sinks.unreadable().size() + " webhook sink(s) have secrets that open with no"
                        + " configured key: sinks " + sinks.unreadable() + "; keep their key configured, or delete and create them again", null);
            }
        }
    }

    static Database openDatabase(Settings settings, SqlStatements statements) {
        if (settings.db().embedded() && !EmbeddedDatabase.available()) {
            throw new StartupException(ExitCode.BAD_CONFIGURATION, "db.url (DB_URL) is not set, and this build has no embedded PostgreSQL for "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + " (the slim runtime image has none): set DB_URL"
                    + " to your PostgreSQL, e.g. DB_URL=jdbc:postgresql://db.example:5432/philotes with DB_USERNAME and DB_PASSWORD", null);
        }
        try {
            return Database.open(settings, statements);
        } catch (RuntimeException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, e.getMessage(), e);
        }
    }

    static SecretBox secretBox(Settings settings, Database database) {
        try {
            return Keyring.open(settings.secrets(), database.embedded(), settings.dataDir());
        } catch (IllegalStateException e) {
            database.close();
            throw new StartupException(ExitCode.BAD_CONFIGURATION, e.getMessage(), null);
        }
    }

    private static List<Migrations.Migration> migrate(Migrations migrations, Database database) {
        try {
            return migrations.apply(database.dataSource());
        } catch (Migrations.MigrationException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, e.getMessage(), e);
        } catch (SQLException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, "The metadata database cannot be reached: " + e.getMessage(), e);
        }
    }

    private static StartupException usage(String problem) {
        return new StartupException(ExitCode.BAD_CONFIGURATION, problem + "\n" + USAGE, null);
    }
}
