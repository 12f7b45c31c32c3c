package io.philotes;

import io.helidon.webserver.WebServer;
import io.philotes.db.Database;
import io.philotes.db.DatabaseMonitor;

/**
 * A running service: its web server and what it owns. Stopping lets in-flight requests finish (up to the
 * configured grace period) before the database goes away.
 */
public final class Philotes implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Philotes.class.getName());

    private final WebServer server;
    private final DatabaseMonitor monitor;
    private final Database database;
    private boolean stopped;

    Philotes(WebServer server, DatabaseMonitor monitor, Database database) {
        this.server = server;
        this.monitor = monitor;
        this.database = database;
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
        LOG.log(System.Logger.Level.INFO, "Stopping Philotes");
        server.stop();
        monitor.close();
        database.close();
        LOG.log(System.Logger.Level.INFO, "Philotes stopped");
    }
}
