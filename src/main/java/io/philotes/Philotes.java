package io.philotes;

import java.util.List;

import io.helidon.webserver.WebServer;
import io.philotes.db.Database;
import io.philotes.db.DatabaseMonitor;
import io.philotes.http.AccessLog;

/**
 * A running service: its web server and what it owns. Stopping lets in-flight requests finish (up to the
 * configured grace period) before the database goes away.
 */
public final class Philotes implements AutoCloseable {
    private final WebServer server;
    private final AccessLog accessLog;
    private final DatabaseMonitor monitor;
    private final Database database;
    private final List<AutoCloseable> engine;
    private boolean stopped;

    /*
     * engine: what runs pipelines, closed in order after the server stops (the supervisor first, so that it
     * starts nothing more; then the engine, whose pipelines store what they read and stay wanted running).
     */
    Philotes(WebServer server, AccessLog accessLog, DatabaseMonitor monitor, Database database, List<AutoCloseable> engine) {
        this.server = server;
        this.accessLog = accessLog;
        this.monitor = monitor;
        this.database = database;
        this.engine = engine;
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
        server.stop();
        for (AutoCloseable part : engine) {
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("philotes: " + part.getClass().getSimpleName() + " did not close cleanly: " + e.getMessage());
            }
        }
        accessLog.close();
        monitor.close();
        database.close();
        System.err.println("philotes: stopped");
    }
}
