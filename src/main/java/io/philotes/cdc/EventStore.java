package io.philotes.cdc;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.philotes.db.NamedSql;
import io.philotes.db.Row;

/**
 * The durable, ordered event store in the metadata database (statements of {@code sql/statements/cdc.sql}).
 * A batch's events, the stream's new position and the per-table counters are written in one transaction,
 * so after any crash the stored position says exactly which changes are stored.
 */
public final class EventStore {
    private final NamedSql sql;

    public EventStore(NamedSql sql) {
        this.sql = sql;
    }

    /**
     * A pipeline's stream, once it was ever started.
     *
     * @param pipelineId the pipeline
     * @return its stream
     */
    public Optional<StreamState> stream(UUID pipelineId) {
        return sql.one("stream-by-pipeline", Map.of("pipeline_id", pipelineId), EventStore::stream);
    }

    StreamState createStream(UUID pipelineId, String slot, String publication, boolean slotCreated, boolean publicationCreated,
                             long startLsn, boolean snapshotDone) {
        return sql.one("stream-insert", Map.of("pipeline_id", pipelineId, "slot_name", slot, "publication_name", publication,
                                               "slot_created", slotCreated, "publication_created", publicationCreated,
                                               "start_lsn", ChangeEvent.lsn(startLsn), "snapshot_done", snapshotDone),
                       EventStore::stream).orElseThrow();
    }

    /* Forgets a stream and everything it stored, to begin again with a new snapshot. */
    void resetStream(UUID pipelineId) {
        sql.transaction(tx -> {
            tx.dml("events-delete-pipeline", Map.of("pipeline_id", pipelineId));
            tx.dml("table-stats-delete", Map.of("pipeline_id", pipelineId));
            tx.dml("stream-delete", Map.of("pipeline_id", pipelineId));
            return null;
        });
    }

    /**
     * Records a pipeline's state as the engine sees it.
     *
     * @param pipelineId   the pipeline
     * @param status       its status
     * @param errorMessage why it is in error, or null
     */
    void status(UUID pipelineId, String status, String errorMessage) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", pipelineId);
        p.put("status", status);
        p.put("error_message", errorMessage);
        if ("stopped".equals(status)) {
            sql.one("pipeline-set-status", p, r -> r.text("status"));
        } else {
            // running and error only while the pipeline is wanted running: a stop asked for meanwhile wins.
            sql.one("pipeline-engine-status", p, r -> r.text("status"));
        }
    }

    /**
     * The pipelines whose desired state is running.
     *
     * @return their ids, oldest first
     */
    public List<UUID> wantingToRun() {
        return sql.list("pipelines-wanting-to-run", Map.of(), r -> r.uuid("id"));
    }

    /**
     * Stores events and moves the stream to its new position, in one transaction.
     *
     * @param state  the stream as stored now
     * @param events the events, in order
     * @param next   the position after them
     * @return the stream as stored afterwards
     * @throws IllegalStateException when the stored stream moved meanwhile (a second writer)
     */
    StreamState append(StreamState state, List<ChangeEvent> events, Position next) {
        long seq = state.lastSeq();
        BinaryCopy copy = new BinaryCopy(events.size() * 256);
        Map<String, Tally> tables = new LinkedHashMap<>();
        Instant lastEventAt = null;
        for (ChangeEvent e : events) {
            seq++;
            copy.row(state.pipelineId(), seq, e);
            Tally t = tables.computeIfAbsent(e.schema() + "\u0000" + e.table(), k -> new Tally(e.schema(), e.table()));
            t.events++;
            t.last = e.commitTime();
            lastEventAt = e.commitTime();
        }
        long lastSeq = seq;
        Instant eventTime = lastEventAt;
        sql.transaction(tx -> {
            if (!events.isEmpty()) {
                tx.copyIn("events-copy", copy.finish());
                tx.dml("table-stats-add", Map.of("pipeline_id", state.pipelineId(),
                        "schemas", tables.values().stream().map(t -> t.schema).toArray(String[]::new),
                        "tables", tables.values().stream().map(t -> t.table).toArray(String[]::new),
                        "counts", tables.values().stream().map(t -> t.events).toArray(Long[]::new),
                        "times", tables.values().stream().map(t -> Timestamp.from(t.last)).toArray(Timestamp[]::new)));
            }
            Map<String, Object> p = new HashMap<>();
            p.put("pipeline_id", state.pipelineId());
            p.put("last_commit_lsn", lsnOrNull(next.lastCommitLsn()));
            p.put("confirmed_lsn", lsnOrNull(next.confirmedLsn()));
            p.put("partial_commit_lsn", lsnOrNull(next.partialCommitLsn()));
            p.put("partial_events", next.partialEvents());
            p.put("last_seq", lastSeq);
            p.put("previous_seq", state.lastSeq());
            p.put("events", (long) events.size());
            p.put("snapshot_done", next.snapshotDone());
            p.put("last_event_at", eventTime == null ? null : OffsetDateTime.ofInstant(eventTime, ZoneOffset.UTC));
            if (tx.dml("stream-advance", p) != 1) {
                throw new IllegalStateException("The stored stream of pipeline " + state.pipelineId() + " moved while this instance wrote it");
            }
            return null;
        });
        return new StreamState(state.pipelineId(), state.slotName(), state.publicationName(), state.slotCreated(),
                               state.publicationCreated(), state.startLsn(), next.snapshotDone(), next.lastCommitLsn(),
                               next.confirmedLsn(), next.partialCommitLsn(), next.partialEvents(), lastSeq,
                               state.eventsProcessed() + events.size(), eventTime != null ? eventTime : state.lastEventAt());
    }

    /**
     * Stored events in order.
     *
     * @param pipelineId the pipeline
     * @param after      the sequence number to read after
     * @param limit      at most this many
     * @return the events
     */
    public List<StoredEvent> after(UUID pipelineId, long after, int limit) {
        return sql.list("events-after", Map.of("pipeline_id", pipelineId, "after", after, "limit", limit),
                        r -> new StoredEvent(r.whole("seq"), r.text("lsn"), r.text("commit_lsn"), r.text("xid") == null ? null
                                : r.whole("xid"), r.instant("commit_time"), r.text("schema_name"), r.text("table_name"), r.text("op"),
                                             r.text("key"), r.text("before"), r.text("after")));
    }

    /**
     * Per-table counters.
     *
     * @param pipelineId the pipeline
     * @return the tables that had events, by schema then table
     */
    public List<TableStat> tableStats(UUID pipelineId) {
        return sql.list("table-stats-by-pipeline", Map.of("pipeline_id", pipelineId),
                        r -> new TableStat(r.text("schema_name"), r.text("table_name"), r.whole("events_processed"),
                                           r.instant("last_event_at")));
    }

    private static String lsnOrNull(long lsn) {
        return lsn == 0 ? null : ChangeEvent.lsn(lsn);
    }

    /*
     * Rows in COPY's binary format: a signature and two 32-bit words of header, then per row the number of
     * fields and each field as a 32-bit length (-1 for NULL) and its bytes in the type's binary form; uuid is
     * 16 bytes, bigint and pg_lsn 8, timestamptz 8 (microseconds since 2000-01-01), text and json their UTF-8.
     */
    private static final class BinaryCopy {
        private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
        private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;
        private final java.io.ByteArrayOutputStream bytes;
        private final java.io.DataOutputStream out;

        BinaryCopy(int size) {
            bytes = new java.io.ByteArrayOutputStream(size);
            out = new java.io.DataOutputStream(bytes);
            try {
                out.write(SIGNATURE);
                out.writeInt(0);
                out.writeInt(0);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void row(UUID pipelineId, long seq, ChangeEvent e) {
            try {
                out.writeShort(12);
                out.writeInt(16);
                out.writeLong(pipelineId.getMostSignificantBits());
                out.writeLong(pipelineId.getLeastSignificantBits());
                int64(seq);
                int64(e.lsn());
                int64(e.commitLsn());
                if (e.xid() == null) {
                    out.writeInt(-1);
                } else {
                    int64(e.xid());
                }
                Instant t = e.commitTime();
                int64(t.getEpochSecond() * 1_000_000L + t.getNano() / 1000 - POSTGRES_EPOCH_MICROS);
                text(e.schema());
                text(e.table());
                text(e.op());
                text(e.key());
                text(e.before());
                text(e.after());
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        }

        java.io.InputStream finish() {
            try {
                out.writeShort(-1);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new java.io.ByteArrayInputStream(bytes.toByteArray());
        }

        private void int64(long value) throws java.io.IOException {
            out.writeInt(8);
            out.writeLong(value);
        }

        private void text(String value) throws java.io.IOException {
            if (value == null) {
                out.writeInt(-1);
                return;
            }
            byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }
    }

    private static StreamState stream(Row r) {
        return new StreamState(r.uuid("pipeline_id"), r.text("slot_name"), r.text("publication_name"), r.bool("slot_created"),
                               r.bool("publication_created"), lsn(r.text("start_lsn")), r.bool("snapshot_done"),
                               lsn(r.text("last_commit_lsn")), lsn(r.text("confirmed_lsn")), lsn(r.text("partial_commit_lsn")),
                               r.whole("partial_events"), r.whole("last_seq"), r.whole("events_processed"), r.instant("last_event_at"));
    }

    private static long lsn(String text) {
        return text == null ? 0 : ChangeEvent.lsn(text);
    }

    /* One table's events in a batch. */
    private static final class Tally {
        final String schema;
        final String table;
        long events;
        Instant last;

        Tally(String schema, String table) {
            this.schema = schema;
            this.table = table;
        }
    }

    /**
     * Where a stream stands after a batch.
     *
     * @param lastCommitLsn    commit LSN of the last transaction stored whole
     * @param confirmedLsn     the LSN to confirm to the source
     * @param partialCommitLsn commit LSN of the transaction stored in part, or 0
     * @param partialEvents    how many of its events are stored
     * @param snapshotDone     whether the initial copy is stored
     */
    record Position(long lastCommitLsn, long confirmedLsn, long partialCommitLsn, long partialEvents, boolean snapshotDone) {
    }

    /**
     * A stored event, as the API serves it (JSON columns as text).
     *
     * @param seq        its sequence number in the pipeline
     * @param lsn        its LSN
     * @param commitLsn  its transaction's commit LSN
     * @param xid        its transaction id, or null
     * @param commitTime its commit time
     * @param schema     the table's schema
     * @param table      the table
     * @param op         the operation
     * @param key        JSON text of the key, or null
     * @param before     JSON text of the old row, or null
     * @param after      JSON text of the new row, or null
     */
    public record StoredEvent(long seq, String lsn, String commitLsn, Long xid, Instant commitTime, String schema, String table,
                              String op, String key, String before, String after) {
    }

    /**
     * A table's counters.
     *
     * @param schema          schema
     * @param table           table
     * @param eventsProcessed events stored
     * @param lastEventAt     commit time of the last one
     */
    public record TableStat(String schema, String table, long eventsProcessed, Instant lastEventAt) {
    }
}
