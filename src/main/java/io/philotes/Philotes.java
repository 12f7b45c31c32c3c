package io.philotes;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.common.configurable.Resource;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.common.tls.TlsConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.philotes.config.Settings;
import io.philotes.db.Database;
import io.philotes.db.DatabaseMonitor;
import io.philotes.http.AccessLog;
import io.philotes.http.ApiRoutes;
import io.philotes.http.Problems;

/**
 * A running service: its web server and what it owns. Stopping lets in-flight requests finish (up to the
 * configured grace period) before the database goes away.
 */
public final class Philotes implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Philotes.class.getName());
    private final WebServer server;
    private final AccessLog accessLog;
    private final DatabaseMonitor monitor;
    private final Database database;
    private final AutoCloseable waits;
    private final List<AutoCloseable> engine;
    private final List<ApiRoutes.Route> routes;
    private boolean stopped;

    private Philotes(WebServer server, AccessLog accessLog, DatabaseMonitor monitor, Database database, AutoCloseable waits,
                     List<AutoCloseable> engine, List<ApiRoutes.Route> routes) {
        this.server = server;
        this.waits = waits;
        this.routes = routes;
        this.accessLog = accessLog;
        this.monitor = monitor;
        this.database = database;
        this.engine = engine;
    }

    /**
     * Fails fast when the HTTP port is taken or the TLS files cannot be used: before a database starts, so a
     * second copy or a bad certificate ends at once.
     *
     * @param server the server settings
     * @throws StartupException with {@link ExitCode#PORT_UNAVAILABLE} or {@link ExitCode#BAD_CONFIGURATION}
     */
    static void checkListener(Settings.Server server) {
        server.tls().ifPresent(Philotes::tls);
        String problem = portProblem(server);
        if (problem != null) {
            throw new StartupException(ExitCode.PORT_UNAVAILABLE, problem, null);
        }
    }

    /**
     * Starts the web server while the first database check runs; the service is live at once and ready
     * when the check is done.
     *
     * @param settings   validated settings
     * @param routing    the routing with its filters
     * @param routes     the routing table's routes, for tools and tests
     * @param firstCheck the first database check, running
     * @param database   the metadata database
     * @param monitor    its monitor, started once the first check passed
     * @param accessLog  the access log
     * @param waits      what requests wait on (long polls, event streams): closed first, so that they answer at once
     * @param engine     what runs pipelines, closed in order after the server stops (the supervisor first,
     *                   so that it starts nothing more; then the engine, whose pipelines store what they read)
     * @return the running service
     * @throws StartupException when the port cannot be bound or the database cannot be used
     */
    static Philotes serve(Settings settings, HttpRouting.Builder routing, List<ApiRoutes.Route> routes, Future<DatabaseMonitor.State> firstCheck,
                          Database database, DatabaseMonitor monitor, AccessLog accessLog, AutoCloseable waits, List<AutoCloseable> engine) {
        Settings.Server s = settings.server();
        WebServerConfig.Builder builder = WebServer.builder();
        s.tls().ifPresent(tls -> builder.tls(tls(tls)));
        WebServer server = builder
                .host(s.host())
                .port(s.port())
                .shutdownHook(false)
                .shutdownGracePeriod(s.grace())
                .concurrencyLimit(FixedLimit.builder()
                                          .permits(s.concurrency())
                                          .queueLength(s.concurrency())
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
                // WebServer.start() logs a bind failure and returns instead of throwing.
                String problem = portProblem(s);
                failure = new StartupException(ExitCode.PORT_UNAVAILABLE, problem != null ? problem
                        : "The HTTP server could not start on " + s.host() + ":" + server.port(), null);
            }
            accessLog.close();
            monitor.close();
            database.close();
            throw failure;
        }
        monitor.start();
        LOG.log(System.Logger.Level.INFO, "Philotes is listening on {0}://{1}:{2,number,#} (metadata database: {3})",
                s.tls().isPresent() ? "https" : "http", s.host(), server.port(), database.description());
        return new Philotes(server, accessLog, monitor, database, waits, engine, routes);
    }

    /**
     * The port the API listens on.
     *
     * @return TCP port
     */
    public int port() {
        return server.port();
    }

    /**
     * Every route of the routing table with the permission it needs.
     *
     * @return the routes
     */
    public List<ApiRoutes.Route> routes() {
        return routes;
    }

    /**
     * The metadata database, for tools that run beside the server.
     *
     * @return the database
     */
    public Database database() {
        return database;
    }

    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        // On SIGTERM the JDK resets java.util.logging in a shutdown hook of its own, racing this one, so
        // the progress of a shutdown goes to stderr directly.
        System.err.println("philotes: stopping; in-flight requests may take up to the grace period");
        close(waits);
        server.stop();
        engine.forEach(Philotes::close);
        accessLog.close();
        monitor.close();
        database.close();
        System.err.println("philotes: stopped");
    }

    private static void close(AutoCloseable part) {
        try {
            part.close();
        } catch (Exception e) {
            System.err.println("philotes: " + part.getClass().getSimpleName() + " did not close cleanly: " + e.getMessage());
        }
    }

    /* HTTPS from PEM files; with a client CA, only clients with a certificate it signed get through. */
    private static Tls tls(Settings.Tls files) {
        try {
            TlsConfig.Builder tls = Tls.builder()
                    .privateKey(k -> k.pem(pem -> pem.key(Resource.create(files.key()))))
                    .privateKeyCertChain(k -> k.pem(pem -> pem.certChain(Resource.create(files.cert()))));
            files.clientCa().ifPresent(ca -> tls.trust(k -> k.pem(pem -> pem.certificates(Resource.create(ca))))
                    .clientAuth(TlsClientAuth.REQUIRED));
            return tls.build();
        } catch (RuntimeException e) {
            throw new StartupException(ExitCode.BAD_CONFIGURATION, "server.tls.cert, server.tls.key and server.tls.client-ca must be PEM"
                    + " files (a certificate chain, its PKCS#8 private key, CA certificates): " + e.getMessage(), e);
        }
    }

    /* The first database check's result; the check never throws, so a failure here is an interrupted startup. */
    private static DatabaseMonitor.State await(Future<DatabaseMonitor.State> check) {
        try {
            return check.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Startup was interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("The first database check failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

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
