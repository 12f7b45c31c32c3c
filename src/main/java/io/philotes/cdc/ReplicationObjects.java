package io.philotes.cdc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import io.philotes.db.SqlStatements;
import io.philotes.source.TableDiscovery.TableName;

/**
 * A pipeline's publication and replication slot on its source: set-up, the slot's state, and dropping them.
 * The statements are those of {@code sql/statements/source-cdc.sql}, run over plain JDBC on a connection the
 * caller holds (the runner keeps its connections for a whole session).
 */
final class ReplicationObjects {
    private final SqlStatements sql;

    ReplicationObjects(SqlStatements sql) {
        this.sql = sql;
    }

    /* Values in the same text forms in the copy and in the stream, whatever the server's defaults. */
    void sameTextForms(Connection c) throws SQLException {
        run(c, sql.sql("cdc-session-settings"));
    }

    boolean publicationExists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql("cdc-publication-exists"))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    boolean publishes(Connection c, String publication, TableName table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql("cdc-publication-has-table"))) {
            ps.setString(1, publication);
            ps.setString(2, table.schema());
            ps.setString(3, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /* Makes the pipeline's own publication publish exactly its tables. */
    void ensurePublication(Connection c, String name, List<TableName> tables) throws SQLException {
        Array schemas = c.createArrayOf("text", tables.stream().map(TableName::schema).toArray());
        Array names = c.createArrayOf("text", tables.stream().map(TableName::table).toArray());
        runBuilt(c, "cdc-publication-ddl", name, schemas, names);
    }

    void dropPublication(Connection c, String name) throws SQLException {
        runBuilt(c, "cdc-publication-drop-ddl", name);
    }

    /* Drops a slot if it exists; one a reader still holds is an error, never silently kept. */
    void dropSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql("cdc-slot-drop"))) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /**
     * A slot as the server sees it now.
     *
     * @param c    a connection to the source
     * @param slot the slot's name
     * @return its state, empty when it does not exist
     */
    Optional<SlotState> slot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql("cdc-slot-state"))) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String confirmed = rs.getString("confirmed_flush_lsn");
                long safe = rs.getLong("safe_wal_bytes");
                Long safeWal = rs.wasNull() ? null : safe;
                return Optional.of(new SlotState(rs.getString("wal_status"), confirmed == null ? 0 : ChangeEvent.lsn(confirmed),
                                                 ChangeEvent.lsn(rs.getString("current_lsn")), rs.getLong("retained_bytes"), safeWal));
            }
        }
    }

    String statement(String name) {
        return sql.sql(name);
    }

    /* Runs the statement a named statement builds (with the server quoting the names it is given). */
    void runBuilt(Connection c, String builder, Object... params) throws SQLException {
        run(c, build(c, builder, params));
    }

    /* The statement a named statement builds. */
    String build(Connection c, String builder, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql(builder))) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    static void run(Connection c, String statement) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /**
     * A replication slot on the source.
     *
     * @param walStatus     reserved, extended, unreserved or lost (null before PostgreSQL 13)
     * @param confirmedLsn  what the server holds as confirmed by the reader
     * @param currentLsn    the server's current WAL position
     * @param retainedBytes WAL the slot holds back, from its restart position to the current one
     * @param safeWalBytes  how much more WAL may be written before the slot is lost, null when unbounded
     */
    record SlotState(String walStatus, long confirmedLsn, long currentLsn, long retainedBytes, Long safeWalBytes) {
        boolean lost() {
            return "lost".equals(walStatus);
        }
    }
}
