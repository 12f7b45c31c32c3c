package io.philotes.cdc;

import java.io.StringReader;
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
        sql.one("pipeline-set-status", p, r -> r.text("status"));
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
        StringBuilder copy = new StringBuilder(events.size() * 200);
        Map<String, Tally> tables = new LinkedHashMap<>();
        Instant lastEventAt = null;
        for (ChangeEvent e : events) {
            seq++;
            copyRow(copy, state.pipelineId(), seq, e);
            Tally t = tables.computeIfAbsent(e.schema() + "\u0000" + e.table(), k -> new Tally(e.schema(), e.table()));
            t.events++;
            t.last = e.commitTime();
            lastEventAt = e.commitTime();
        }
        long lastSeq = seq;
        Instant eventTime = lastEventAt;
        sql.transaction(tx -> {
            if (!events.isEmpty()) {
                tx.copyIn("events-copy", new StringReader(copy.toString()));
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

    /* One line of COPY's text format: tab-separated, \N for NULL, backslash escapes. */
    private static void copyRow(StringBuilder out, UUID pipelineId, long seq, ChangeEvent e) {
        out.append(pipelineId).append('\t').append(seq).append('\t').append(ChangeEvent.lsn(e.lsn())).append('\t')
                .append(ChangeEvent.lsn(e.commitLsn())).append('\t');
        if (e.xid() == null) {
            out.append("\\N");
        } else {
            out.append(e.xid());
        }
        out.append('\t').append(e.commitTime()).append('\t');
        escaped(out, e.schema());
        out.append('\t');
        escaped(out, e.table());
        out.append('\t').append(e.op());
        for (Object json : new Object[] {e.key(), e.before(), e.after()}) {
            out.append('\t');
            if (json == null) {
                out.append("\\N");
            } else {
                escaped(out, json.toString());
            }
        }
        out.append('\n');
    }

    private static void escaped(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
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
