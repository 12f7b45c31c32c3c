package io.philotes;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.philotes.cdc.CdcEngine;
import io.philotes.cdc.EventPruner;
import io.philotes.cdc.EventStore;
import io.philotes.config.InvalidConfigException;
import io.philotes.config.Settings;
import io.philotes.crypto.Keyring;
import io.philotes.crypto.SecretBox;
import io.philotes.db.Database;
import io.philotes.db.DatabaseMonitor;
import io.philotes.db.EmbeddedDatabase;
import io.philotes.db.Migrations;
import io.philotes.db.SqlStatements;
import io.philotes.http.AccessLog;
import io.philotes.http.Cors;
import io.philotes.http.HttpJson;
import io.philotes.http.Problems;
import io.philotes.http.RateLimiter;
import io.philotes.http.RequestGuards;
import io.philotes.pipeline.PipelineHandler;
import io.philotes.pipeline.PipelineRepository;
import io.philotes.pipeline.PipelineService;
import io.philotes.pipeline.Supervisor;
import io.philotes.source.ConnectionTester;
import io.philotes.source.SourceConnector;
import io.philotes.source.SourceHandler;
import io.philotes.source.SourceRepository;
import io.philotes.source.SourceService;
import io.philotes.source.TableDiscovery;
import io.philotes.system.BuildInfo;
import io.philotes.system.DocumentHandler;
import io.philotes.system.HealthHandler;
import io.philotes.system.Metrics;
import io.philotes.system.OpenApiHandler;

/**
 * Wires Philotes: configuration, database, services, routing, server. Usage:
 * {@code philotes [serve|migrate|reencrypt-secrets|version] [--config FILE]}.
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());
    private static final Duration MONITOR_INTERVAL = Duration.ofSeconds(1);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    private Main() {
    }

    /**
     * Runs a command and exits with a documented code when it fails.
     *
     * @param args command and options
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        try {
            run(args);
        } catch (StartupException e) {
            System.err.println("philotes: " + e.getMessage());
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            System.exit(e.exitCode().code());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "Philotes failed to start", e);
            System.exit(ExitCode.FAILURE.code());
        }
    }

    private static void run(String[] args) {
        String command = "serve";
        String configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "serve", "migrate", "reencrypt-secrets", "version" -> command = args[i];
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        throw usage("--config needs a file path");
                    }
                    configFile = args[++i];
                }
                default -> throw usage("unknown argument '" + args[i] + "'");
            }
        }
        switch (command) {
            case "version" -> {
                BuildInfo build = BuildInfo.load();
                System.out.println("philotes " + build.version() + " (commit " + build.gitCommit() + ", built " + build.buildTime()
                        + ", Java " + Runtime.version() + ")");
            }
            case "migrate" -> migrate(settings(configFile));
            case "reencrypt-secrets" -> reencryptSecrets(settings(configFile));
            default -> {
                Philotes philotes = start(settings(configFile));
                Runtime.getRuntime().addShutdownHook(new Thread(philotes::close, "philotes-shutdown"));
            }
        }
    }

    /**
     * Starts the whole service.
     *
     * @param settings validated settings
     * @return the running service
     * @throws StartupException when it cannot run, with the exit code to use
     */
    public static Philotes start(Settings settings) {
        String portProblem = portProblem(settings.server());
        if (portProblem != null) {
            throw new StartupException(ExitCode.PORT_UNAVAILABLE, portProblem, null);
        }
        SqlStatements statements = SqlStatements.load();
        Migrations migrations = Migrations.load(statements);
        Database database = openDatabase(settings, statements);
        DatabaseMonitor monitor = new DatabaseMonitor(database, migrations, MONITOR_INTERVAL, PING_TIMEOUT);
        // The first check (connect, migrate) runs while the HTTP server starts: the service is live at once
        // and ready when the check is done, and startup takes the longer of the two instead of their sum.
        FutureTask<DatabaseMonitor.State> firstCheck = new FutureTask<>(monitor::check);
        Thread.ofVirtual().name("philotes-first-database-check").start(firstCheck);
        SecretBox secrets = secretBox(settings, database);
        HttpJson json = new HttpJson(settings.http().bodyLimit());
        SourceConnector connector = new SourceConnector(settings.sources().hostPolicy());
        SourceService sources = new SourceService(new SourceRepository(database.sql()), secrets,
                new ConnectionTester(connector, statements, settings.sources().testTimeout(), settings.sources().testConcurrency()),
                new TableDiscovery(connector, statements, settings.sources().testTimeout(),
                                   settings.sources().discoveryTimeout()));

        EventStore events = new EventStore(database.sql());
        CdcEngine engine = new CdcEngine(connector, events, database.dataSource(), settings.sources().testTimeout());
        PipelineService pipelines = new PipelineService(new PipelineRepository(database.sql()), sources, engine, events);

        Metrics metrics = new Metrics(database.sql(), engine);
        AccessLog accessLog = new AccessLog();
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter(accessLog)
                .addFilter(metrics)
                .addFilter(new Cors(settings.http().corsOrigins()))
                .addFilter(rateLimiter(settings.http()))
                .addFilter(new RequestGuards(settings.http().bodyLimit(), monitor::ready))
                .register("/health", new HealthHandler(monitor))
                .register("/metrics", metrics)
                .register("/api/v1/version", DocumentHandler.version(BuildInfo.load()))
                .register("/api/v1/config", DocumentHandler.config(settings))
                .register("/api/v1/sources", new SourceHandler(sources, json))
                .register("/api/v1/pipelines", new PipelineHandler(pipelines, json))
                .register(new OpenApiHandler())
                .error(Throwable.class, Problems::handle)
                .any(Problems::notFound);

        WebServer server = WebServer.builder()
                .host(settings.server().host())
                .port(settings.server().port())
                .shutdownHook(false)
                .shutdownGracePeriod(settings.server().grace())
                .concurrencyLimit(FixedLimit.builder()
                                          .permits(settings.server().concurrency())
                                          .queueLength(settings.server().concurrency())
                                          .queueTimeout(Duration.ofSeconds(10))
                                          .build())
                .directHandlers(Problems.directHandlers())
                .routing(routing)
                .build()
                .start();
        DatabaseMonitor.State first = await(firstCheck);
        if (!server.isRunning() || first.fatal()) {
            StartupException failure;
            if (server.isRunning()) {
                server.stop();
                failure = new StartupException(ExitCode.DATABASE_FAILURE, first.problem(), null);
            } else {
                String problem = portProblem(settings.server());
                failure = new StartupException(ExitCode.PORT_UNAVAILABLE, problem != null ? problem
                        : "The HTTP server could not start on " + settings.server().host() + ":" + server.port(), null);
            }
            accessLog.close();
            monitor.close();
            database.close();
            throw failure;
        }
        monitor.start();
        Supervisor supervisor = new Supervisor(pipelines, settings.events().superviseInterval());
        monitor.whenReady(supervisor::start);
        EventPruner pruner = new EventPruner(database.sql(), settings.events().retention(), settings.events().pruneInterval());
        pruner.start();
        LOG.log(System.Logger.Level.INFO, "Philotes is listening on http://{0}:{1,number,#} (metadata database: {2})",
                settings.server().host(), server.port(), database.description());
        return new Philotes(server, accessLog, monitor, database, List.of(supervisor, engine, pruner));
    }

    /* The first database check's result; the check never throws, so a failure here is an interrupted startup. */
    private static DatabaseMonitor.State await(FutureTask<DatabaseMonitor.State> check) {
        try {
            return check.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Startup was interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("The first database check failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void migrate(Settings settings) {
        SqlStatements statements = SqlStatements.load();
        Migrations migrations = Migrations.load(statements);
        try (Database database = openDatabase(settings, statements)) {
            List<Migrations.Migration> applied = migrations.apply(database.dataSource());
            System.out.println(applied.isEmpty()
                    ? "The metadata database is up to date (version " + migrations.latestVersion() + ")"
                    : "Applied " + applied.stream().map(Migrations.Migration::fileName).toList());
        } catch (Migrations.MigrationException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, e.getMessage(), e);
        } catch (java.sql.SQLException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, "The metadata database cannot be reached: " + e.getMessage(), e);
        }
    }

    /* Moves every stored source password to the active key; safe to interrupt and run again. */
    private static void reencryptSecrets(Settings settings) {
        SqlStatements statements = SqlStatements.load();
        Migrations migrations = Migrations.load(statements);
        try (Database database = openDatabase(settings, statements)) {
            migrations.apply(database.dataSource());
            SecretBox secrets = secretBox(settings, database);
            SourceService sources = new SourceService(new SourceRepository(database.sql()), secrets, null, null);
            int moved = sources.reencryptAll();
            System.out.println("Re-encrypted " + moved + " source password(s); every stored secret now uses key '" + secrets.activeKeyId() + "'");
        } catch (Migrations.MigrationException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, e.getMessage(), e);
        } catch (java.sql.SQLException e) {
            throw new StartupException(ExitCode.DATABASE_FAILURE, "The metadata database cannot be reached: " + e.getMessage(), e);
        }
    }

    private static SecretBox secretBox(Settings settings, Database database) {
        try {
            return Keyring.open(settings.secrets(), database.embedded(), settings.dataDir());
        } catch (IllegalStateException e) {
            database.close();
            throw new StartupException(ExitCode.BAD_CONFIGURATION, e.getMessage(), null);
        }
    }

    private static Database openDatabase(Settings settings, SqlStatements statements) {
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

    private static io.helidon.webserver.http.Filter rateLimiter(Settings.Http http) {
        if (http.rateLimit() == 0) {
            return (chain, request, response) -> chain.proceed();
        }
        return new RateLimiter(http.rateLimit(), http.rateBurst());
    }

    private static Settings settings(String configFile) {
        try {
            return Settings.from(Settings.layered(Map.of(), configFile));
        } catch (InvalidConfigException e) {
            throw new StartupException(ExitCode.BAD_CONFIGURATION, e.getMessage(), null);
        }
    }

    private static StartupException usage(String problem) {
        return new StartupException(ExitCode.BAD_CONFIGURATION, problem + "\nusage: philotes [serve|migrate|reencrypt-secrets|version] [--config FILE]", null);
    }

    /*
     * Checked before anything starts, so a second copy fails fast instead of starting a database first, and
     * again after WebServer.start(), which logs a bind failure and returns instead of throwing.
     */
    private static String portProblem(Settings.Server server) {
        if (server.port() == 0) {
            return null;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(server.host(), server.port()));
            return null;
        } catch (IOException e) {
            return "Port " + server.port() + " on " + server.host() + " is already in use (" + e.getMessage()
                    + "); stop the other process or set SERVER_PORT";
        }
    }
}
