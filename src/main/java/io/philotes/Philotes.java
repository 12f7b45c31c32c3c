package io.philotes;

import io.helidon.webserver.WebServer;
import io.philotes.cdc.CdcEngine;
import io.philotes.cdc.EventPruner;
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
    private final CdcEngine engine;
    private final EventPruner pruner;
    private boolean stopped;

    Philotes(WebServer server, AccessLog accessLog, DatabaseMonitor monitor, Database database, CdcEngine engine, EventPruner pruner) {
        this.server = server;
        this.accessLog = accessLog;
        this.monitor = monitor;
        this.database = database;
        this.engine = engine;
        this.pruner = pruner;
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
        // Pipelines store and confirm what they read, and stay wanted running for the next start.
        engine.close();
        pruner.close();
        accessLog.close();
        monitor.close();
        database.close();
        System.err.println("philotes: stopped");
    }
}
