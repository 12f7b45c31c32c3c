package io.philotes.cdc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.philotes.source.TableDiscovery.TableName;

/**
 * The initial copy: every mapped table as it was at the new slot's consistent point, read in the slot's
 * exported snapshot and stored as {@code snapshot} events, in batches bounded in events and in bytes. A stop
 * ends it at once: it is checked at every row, and a statement the server is slow to answer is cancelled. A copy
 * taken again begins with a {@code truncate} event per table, so that replaying all events gives the source's rows.
 */
final class InitialCopy {
    private final ReplicationObjects objects;
    private final Connection c;
    private final EventStore store;
    private final PipelineSpec spec;
    private final long epoch;
    private final BooleanSupplier stopping;
    private volatile Statement running;

    InitialCopy(ReplicationObjects objects, Connection c, EventStore store, PipelineSpec spec, long epoch, BooleanSupplier stopping) {
        this.objects = objects;
        this.c = c;
        this.store = store;
        this.spec = spec;
        this.epoch = epoch;
        this.stopping = stopping;
    }

    /**
     * Copies every table.
     *
     * @param state    the new stream, as stored
     * @param snapshot the slot's exported snapshot
     * @param lsn      the slot's consistent point, which the copy's events carry
     * @return the stream afterwards: with the copy done, or (when stopped) not
     */
    StreamState copy(StreamState state, String snapshot, long lsn) throws SQLException {
        Instant taken = Instant.now();
        // Built before the transaction: SET TRANSACTION SNAPSHOT must be its first statement but for the isolation level.
        String importSnapshot = objects.build(c, "cdc-copy-snapshot-ddl", snapshot);
        c.setAutoCommit(false);
        try {
            ReplicationObjects.run(c, objects.statement("cdc-copy-transaction"));
            ReplicationObjects.run(c, importSnapshot);
            if (state.lastSeq() > 0) {
                state = store.append(state, restart(taken, lsn), new EventStore.Position(0, 0, 0, 0, false), epoch);
            }
            for (TableName table : spec.tables()) {
                state = table(table, taken, lsn, state);
                if (stopping.getAsBoolean()) {
                    return state;
                }
            }
            c.commit();
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return store.append(state, List.of(), new EventStore.Position(0, 0, 0, 0, true), epoch);
    }

    /*
     * A copy taken again (the first was cut short, or a resnapshot) starts with a truncate of every table: events of
     * an earlier copy may hold rows deleted since, and replaying the events must give the source's rows. Like the
     * copy's rows, they carry the new slot's consistent point and no transaction id.
     */
    private List<ChangeEvent> restart(Instant taken, long lsn) {
        return spec.tables().stream()
                .map(t -> new ChangeEvent(lsn, lsn, null, taken, t.schema(), t.table(), "truncate", null, null, null))
                .toList();
    }

    /** Cancels the statement the copy waits for, if any (a stop while the server is slow). */
    void cancel() {
        Statement st = running;
        if (st != null) {
            try {
                st.cancel();
            } catch (SQLException ignored) {
                // the statement ended meanwhile
            }
        }
    }

    private StreamState table(TableName table, Instant taken, long lsn, StreamState state) throws SQLException {
        List<Column> columns = new ArrayList<>();
        String query = null;
        try (PreparedStatement ps = c.prepareStatement(objects.statement("cdc-copy-columns"))) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Column(rs.getString("name"), rs.getInt("type"), rs.getBoolean("key")));
                    query = rs.getString("query");
                }
            }
        }
        if (query == null) {
            throw new PipelineRunner.StreamFailure("table " + table + " does not exist on the source (or has no columns)");
        }
        List<ChangeEvent> events = new ArrayList<>();
        long bytes = 0;
        try (Statement st = c.createStatement()) {
            running = st;
            st.setFetchSize(Math.min(spec.batchSize(), 1000));
            try (ResultSet rs = st.executeQuery(query)) {
                while (rs.next()) {
                    if (stopping.getAsBoolean()) {
                        break;
                    }
                    ChangeEvent e = event(rs, columns, table, lsn, taken);
                    events.add(e);
                    bytes += e.bytes();
                    if (events.size() >= spec.batchSize() || bytes >= spec.batchBytes()) {
                        state = store.append(state, events, new EventStore.Position(0, 0, 0, 0, false), epoch);
                        events = new ArrayList<>();
                        bytes = 0;
                    }
                }
            }
        } catch (SQLException e) {
            if (!stopping.getAsBoolean()) {
                throw e;
            }
        } finally {
            running = null;
        }
        return events.isEmpty() || stopping.getAsBoolean() ? state
                : store.append(state, events, new EventStore.Position(0, 0, 0, 0, false), epoch);
    }

    private static ChangeEvent event(ResultSet rs, List<Column> columns, TableName table, long lsn, Instant taken) throws SQLException {
        JsonRow row = new JsonRow();
        JsonRow key = new JsonRow();
        for (int i = 0; i < columns.size(); i++) {
            Column col = columns.get(i);
            if (col.asBytes()) {
                // Text-like values as the bytes the result holds (the copy's query sends text): a large one is not copied.
                byte[] bytes = rs.getBytes(i + 1);
                RowJson.Slice value = bytes == null ? null : new RowJson.Slice(bytes, 0, bytes.length);
                row.add(col.name(), col.type(), value);
                if (col.key()) {
                    key.add(col.name(), col.type(), value);
                }
            } else {
                String value = rs.getString(i + 1);
                row.add(col.name(), col.type(), value);
                if (col.key()) {
                    key.add(col.name(), col.type(), value);
                }
            }
        }
        return new ChangeEvent(lsn, lsn, null, taken, table.schema(), table.table(), "snapshot", key.isEmpty() ? null : key.json(), null,
                               row.json());
    }

    private record Column(String name, int type, boolean key) {
        /* text, varchar, bpchar, json, xml, name: their bytes are their text form; bytea's would be decoded. */
        boolean asBytes() {
            return type == 25 || type == 1043 || type == 1042 || type == 114 || type == 142 || type == 19;
        }
    }
}
