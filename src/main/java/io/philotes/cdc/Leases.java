package io.philotes.cdc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.philotes.db.SqlStatements;

/**
 * Which instance runs which pipeline, when several share one metadata database: a pipeline runs only where
 * its PostgreSQL advisory lock is held. The locks live on one connection of this instance's own, so when the
 * instance dies its connection closes, the locks go with it, and another instance takes the pipelines over
 * at its next look. Plain JDBC: these session-level locks need that one connection, which DbClient, handing
 * each statement a pooled connection, cannot keep.
 */
final class Leases implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Leases.class.getName());
    private final DataSource pool;
    private final SqlStatements sql;
    private final Set<UUID> held = ConcurrentHashMap.newKeySet();
    private Connection connection;

    Leases(DataSource pool, SqlStatements sql) {
        this.pool = pool;
        this.sql = sql;
    }

    /**
     * Takes a pipeline's lease if no instance holds it.
     *
     * @param id the pipeline
     * @return true when this instance holds it now (also when it did before)
     */
    synchronized boolean tryAcquire(UUID id) {
        if (held.contains(id)) {
            return true;
        }
        try {
            if (lock("lease-take", id)) {
                held.add(id);
                return true;
            }
            return false;
        } catch (SQLException e) {
            // Every lease went with the connection: the engine stops the runners that held them (holds() is false now).
            LOG.log(System.Logger.Level.WARNING, "Pipeline leases are unavailable, and the ones held are lost: {0}", e.getMessage());
            drop();
            return false;
        }
    }

    /**
     * Whether this instance holds a pipeline's lease; false once the connection that held it failed.
     *
     * @param id the pipeline
     * @return true while held
     */
    boolean holds(UUID id) {
        return held.contains(id);
    }

    /**
     * Gives a lease back.
     *
     * @param id the pipeline
     */
    synchronized void release(UUID id) {
        if (held.remove(id) && connection != null) {
            try {
                lock("lease-give-back", id);
            } catch (SQLException e) {
                drop(); // closing the connection releases every lock anyway
            }
        }
    }

    /**
     * Checks that the connection holding the leases is alive; when it is not, every lease is lost with it
     * (another instance may take the pipelines now), and {@link #holds} says so.
     */
    synchronized void verify() {
        if (held.isEmpty()) {
            return;
        }
        try {
            if (connection != null && connection.isValid(2)) {
                return;
            }
        } catch (SQLException e) {
            // lost
        }
        LOG.log(System.Logger.Level.WARNING, "The connection holding {0} pipeline lease(s) was lost, and the leases with it", held.size());
        drop();
    }

    @Override
    public synchronized void close() {
        drop();
    }

    private boolean lock(String statement, UUID id) throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = pool.getConnection();
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.sql(statement))) {
            ps.setLong(1, id.getMostSignificantBits() ^ id.getLeastSignificantBits());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /* The connection goes back to the pool, so its session must not keep a lock. */
    private void drop() {
        held.clear();
        if (connection != null) {
            try (Statement st = connection.createStatement()) {
                st.execute(sql.sql("lease-give-back-all"));
            } catch (SQLException ignored) {
                // a broken connection: the pool discards it, and its session ended with its locks
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // gone either way
            }
            connection = null;
        }
    }
}
