package io.philotes.cdc;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import io.philotes.core.ApiException;
import io.philotes.core.JsonText;
import io.philotes.core.PipelineStatus;
import io.philotes.db.Database;
import io.philotes.db.Rows;
import io.philotes.db.Transactions;
import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.Json;
import jakarta.json.JsonReaderFactory;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * The durable, ordered event store in the metadata database (statements of {@code sql/statements/cdc.sql}).
 * A batch's events, the stream's new position and the per-table counters are written in one transaction,
 * so after any crash the stored position says exactly which changes are stored.
 */
public final class EventStore {
    /* What the COPY of a batch buffers before it sends. */
    private static final int COPY_BUFFER_BYTES = 64 * 1024;
    private final Database database;
    private final DbClient db;

    public EventStore(Database database) {
        this.database = database;
        this.db = database.client();
    }

    /**
     * A pipeline's stream, once it was ever started.
     *
     * @param pipelineId the pipeline
     * @return its stream
     */
    public Optional<StreamState> stream(UUID pipelineId) {
        return db.execute().createNamedGet("stream-by-pipeline").addParam("pipeline_id", pipelineId).execute().map(EventStore::stream);
    }

    /**
     * Starts a pipeline's stream over at a new slot, keeping its events and their numbering.
     *
     * @param pipelineId         the pipeline
     * @param epoch              the owner's epoch
     * @param slot               the new slot
     * @param publication        the publication it reads
     * @param publicationCreated whether the engine made the publication
     * @param startLsn           the slot's consistent point
     * @return the stream as stored
     * @throws Fenced when another owner took the pipeline over
     */
    StreamState beginStream(UUID pipelineId, long epoch, String slot, String publication, boolean publicationCreated, long startLsn) {
        Map<String, Object> p = new HashMap<>();
        p.put("pipeline_id", pipelineId);
        p.put("epoch", epoch);
        p.put("slot_name", slot);
        p.put("publication_name", publication);
        p.put("slot_created", true);
        p.put("publication_created", publicationCreated);
        p.put("start_lsn", ChangeEvent.lsn(startLsn));
        return db.execute().createNamedGet("stream-begin").params(p).execute().map(EventStore::stream)
                .orElseThrow(() -> new Fenced(pipelineId, epoch));
    }

    /**
     * An instance about to run a pipeline becomes its owner.
     *
     * @param pipelineId the pipeline
     * @return the new owner's epoch
     */
    long takeOwnership(UUID pipelineId) {
        return db.execute().createNamedGet("pipeline-take-ownership").addParam("id", pipelineId).execute()
                .map(r -> r.column("owner_epoch").get(Long.class))
                .orElseThrow(() -> new IllegalStateException("Pipeline " + pipelineId + " no longer exists"));
    }

    /**
     * Checks that an owner is still the pipeline's owner, before it touches the source's slot.
     *
     * @param pipelineId the pipeline
     * @param epoch      the owner's epoch
     * @throws Fenced when it is not
     */
    void requireOwner(UUID pipelineId, long epoch) {
        boolean owned = db.execute().createNamedGet("pipeline-owned").addParam("id", pipelineId).addParam("epoch", epoch).execute()
                .map(r -> r.column("owned").get(Boolean.class)).orElse(false);
        if (!owned) {
            throw new Fenced(pipelineId, epoch);
        }
    }

    /**
     * Records what was seen of a pipeline's slot on its source.
     *
     * @param pipelineId the pipeline
     * @param slotName   the slot
     * @param slot       its state, or null when it could not be looked at
     * @param error      why not, or null
     */
    void slotSeen(UUID pipelineId, String slotName, ReplicationObjects.SlotState slot, String error) {
        Map<String, Object> p = new HashMap<>();
        p.put("pipeline_id", pipelineId);
        p.put("slot_name", slotName);
        p.put("wal_status", slot == null ? null : slot.walStatus() == null ? "unknown" : slot.walStatus());
        p.put("retained_bytes", slot == null ? null : slot.retainedBytes());
        p.put("safe_wal_bytes", slot == null ? null : slot.safeWalBytes());
        p.put("source_wal_lsn", slot == null ? null : ChangeEvent.lsn(slot.currentLsn()));
        p.put("error", error);
        db.execute().createNamedUpdate("stream-slot-seen").params(p).execute();
    }

    /**
     * Records a stop as done, when the pipeline is still stopping.
     *
     * @param pipelineId the pipeline
     * @param epoch      the owner that stopped it, or null for any (no runner is left)
     * @return whether it was stopping
     */
    public boolean stopDone(UUID pipelineId, Long epoch) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", pipelineId);
        p.put("epoch", epoch);
        return db.execute().createNamedGet("pipeline-stop-done").params(p).execute().isPresent();
    }

    /**
     * The pipelines whose stop is asked for and not yet done.
     *
     * @return their ids
     */
    public List<UUID> stopping() {
        try (var rows = db.execute().namedQuery("pipelines-stopping")) {
            return rows.map(r -> r.column("id").get(UUID.class)).toList();
        }
    }

    /**
     * Forgets a stopped pipeline's slot (dropped for a resnapshot): its next start makes a new one and copies
     * again, numbering its events on.
     *
     * @param pipelineId the pipeline
     */
    public void forgetSlot(UUID pipelineId) {
        db.execute().createNamedUpdate("stream-forget-slot").addParam("pipeline_id", pipelineId).execute();
    }

    /**
     * Records, in a pipeline delete's transaction, what it leaves on the source to drop.
     *
     * @param tx the delete's transaction
     * @param o  the orphan
     */
    public void addOrphan(DbExecute tx, CdcEngine.Orphan o) {
        Map<String, Object> p = new HashMap<>();
        p.put("slot_name", o.slotName());
        p.put("source_id", o.sourceId());
        p.put("pipeline_name", o.pipelineName());
        p.put("drop_slot", o.dropSlot());
        p.put("publication_name", o.publicationName());
        tx.createNamedInsert("orphan-add").params(p).execute();
    }

    List<CdcEngine.Orphan> orphansDue() {
        return orphans("orphans-due");
    }

    List<CdcEngine.Orphan> orphans() {
        return orphans("orphans-all");
    }

    void orphanDropped(String slot) {
        db.execute().createNamedDelete("orphan-dropped").addParam("slot_name", slot).execute();
    }

    void orphanFailed(String slot, String error) {
        db.execute().createNamedUpdate("orphan-failed").addParam("slot_name", slot).addParam("error", error).execute();
    }

    private List<CdcEngine.Orphan> orphans(String statement) {
        try (var rows = db.execute().namedQuery(statement)) {
            return rows.map(r -> new CdcEngine.Orphan(Rows.text(r, "slot_name"), r.column("source_id").get(UUID.class),
                                                      Rows.text(r, "pipeline_name"), r.column("drop_slot").get(Boolean.class),
                                                      Rows.text(r, "publication_name"), r.column("attempts").get(Integer.class),
                                                      Rows.text(r, "last_error"))).toList();
        }
    }

    /* Stopped pipelines whose slot was not looked at within the given time. */
    List<UUID> stoppedToCheck(Duration every) {
        try (var rows = db.execute().createNamedQuery("streams-stopped-to-check").addParam("seconds", every.toMillis() / 1000.0).execute()) {
            return rows.map(r -> r.column("pipeline_id").get(UUID.class)).toList();
        }
    }

    /**
     * Records a pipeline's state as the engine sees it.
     *
     * @param pipelineId   the pipeline
     * @param status       its status
     * @param epoch        the reporting owner's epoch: a runner that is no longer the owner changes nothing
     * @param errorMessage why it is in error, or null
     */
    void status(UUID pipelineId, PipelineStatus status, long epoch, String errorMessage) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", pipelineId);
        p.put("status", status.text());
        p.put("epoch", epoch);
        p.put("error_message", errorMessage);
        // running and error only while the pipeline is wanted running: a stop asked for meanwhile wins.
        db.execute().createNamedGet("pipeline-engine-status").params(p).execute();
    }

    /**
     * The pipelines whose desired state is running.
     *
     * @return their ids, oldest first
     */
    public List<UUID> wantingToRun() {
        try (var rows = db.execute().namedQuery("pipelines-wanting-to-run")) {
            return rows.map(r -> r.column("id").get(UUID.class)).toList();
        }
    }

    /**
     * Stores events and moves the stream to its new position, in one transaction.
     *
     * @param state  the stream as stored now
     * @param events the events, in order
     * @param next   the position after them
     * @param epoch  the owner's epoch
     * @return the stream as stored afterwards
     * @throws Fenced when another owner took the pipeline over (nothing is stored)
     */
    StreamState append(StreamState state, List<ChangeEvent> events, Position next, long epoch) {
        Chunk[] only = {new Chunk(events, next)};
        return append(state, () -> {
            Chunk c = only[0];
            only[0] = null;
            return c;
        }, epoch);
    }

    /**
     * Stores chunks in one transaction: the first the source gives, then as many more as it hands over. Each
     * chunk's events go to the server as they are encoded, and the chunk can be let go once written, so one
     * transaction may hold more events than the heap holds at once.
     *
     * @param state  the stream as stored now
     * @param chunks gives the chunks in order, then null
     * @param epoch  the owner's epoch
     * @return the stream as stored afterwards
     * @throws Fenced when another owner took the pipeline over (nothing is stored)
     */
    StreamState append(StreamState state, Supplier<Chunk> chunks, long epoch) {
        return append(state, chunks, epoch, null);
    }

    /**
     * Stores chunks in one transaction, as {@link #append(StreamState, Supplier, long)} does; an event that does not
     * know the version of its table's shape (a truncate a copy begins with) is stored with the table's latest.
     *
     * @param state    the stream as stored now
     * @param chunks   gives the chunks in order, then null
     * @param epoch    the owner's epoch
     * @param versions the latest version of a table's shape (schema, table), or null
     * @return the stream as stored afterwards
     * @throws Fenced when another owner took the pipeline over (nothing is stored)
     */
    StreamState append(StreamState state, Supplier<Chunk> chunks, long epoch, BiFunction<String, String, Integer> versions) {
        Chunk[] pending = {chunks.get()};
        Position[] next = {pending[0].position()};
        long[] seq = {state.lastSeq()};
        Map<String, Tally> tables = new LinkedHashMap<>();
        Map<UUID, CopyProgress> copies = new LinkedHashMap<>();
        pending[0].progress().forEach(cp -> copies.merge(cp.mappingId(), cp, EventStore::then));
        Instant[] lastEventAt = {null};
        // The rows go to the server as they are encoded, through a small buffer: a chunk is never held twice.
        CopyRows rows = pending[0].events().isEmpty() ? null : out -> {
            BinaryCopy copy = new BinaryCopy(out);
            for (Chunk c = pending[0]; c != null; c = chunks.get()) {
                if (pending[0] == null) { // the first chunk's progress is taken above
                    c.progress().forEach(cp -> copies.merge(cp.mappingId(), cp, EventStore::then));
                }
                pending[0] = null;
                for (ChangeEvent e : c.events()) {
                    Integer version = e.schemaVersion() != null || versions == null ? e.schemaVersion() : versions.apply(e.schema(), e.table());
                    copy.row(state.pipelineId(), ++seq[0], e, version);
                    Tally t = tables.computeIfAbsent(e.schema() + "\u0000" + e.table(), k -> new Tally(e.schema(), e.table()));
                    t.events++;
                    t.last = e.commitTime();
                    lastEventAt[0] = e.commitTime();
                }
                next[0] = c.position();
            }
            copy.finish();
        };
        transactionAfterCopy(rows, tx -> {
            for (CopyProgress cp : copies.values()) {
                Map<String, Object> p = new HashMap<>();
                p.put("mapping_id", cp.mappingId());
                p.put("generation", cp.generation());
                p.put("last_key", cp.lastKey() == null ? null : cp.lastKey().toArray(String[]::new));
                p.put("key_columns", cp.keyColumns() == null ? null : cp.keyColumns().toArray(String[]::new));
                p.put("rows", cp.rows());
                p.put("done", cp.done());
                tx.createNamedUpdate("snapshot-progress").params(p).execute();
            }
            if (!tables.isEmpty()) {
                tx.createNamedInsert("table-stats-add").params(Map.of("pipeline_id", state.pipelineId(),
                        "schemas", tables.values().stream().map(t -> t.schema).toArray(String[]::new),
                        "tables", tables.values().stream().map(t -> t.table).toArray(String[]::new),
                        "counts", tables.values().stream().map(t -> t.events).toArray(Long[]::new),
                        "times", tables.values().stream().map(t -> Timestamp.from(t.last)).toArray(Timestamp[]::new))).execute();
            }
            Position at = next[0];
            Map<String, Object> p = new HashMap<>();
            p.put("pipeline_id", state.pipelineId());
            p.put("last_commit_lsn", lsnOrNull(at.lastCommitLsn()));
            p.put("confirmed_lsn", lsnOrNull(at.confirmedLsn()));
            p.put("partial_commit_lsn", lsnOrNull(at.partialCommitLsn()));
            p.put("partial_events", at.partialEvents());
            p.put("last_seq", seq[0]);
            p.put("previous_seq", state.lastSeq());
            p.put("epoch", epoch);
            p.put("events", seq[0] - state.lastSeq());
            p.put("last_event_at", lastEventAt[0] == null ? null : OffsetDateTime.ofInstant(lastEventAt[0], ZoneOffset.UTC));
            if (tx.createNamedUpdate("stream-advance").params(p).execute() != 1) {
                throw new Fenced(state.pipelineId(), epoch);
            }
            if (seq[0] > state.lastSeq()) {
                tx.createNamedGet("events-notify").params(Map.of("pipeline_id", state.pipelineId(), "last_seq", seq[0])).execute();
            }
            return null;
        });
        Position at = next[0];
        return new StreamState(state.pipelineId(), state.slotName(), state.publicationName(), state.slotCreated(),
                               state.publicationCreated(), state.startLsn(), state.needsSlot(), at.lastCommitLsn(), at.confirmedLsn(),
                               at.partialCommitLsn(), at.partialEvents(), seq[0], state.eventsProcessed() + seq[0] - state.lastSeq(),
                               lastEventAt[0] != null ? lastEventAt[0] : state.lastEventAt(), state.slot());
    }

    /**
     * The versions of a pipeline's tables' shapes recorded so far.
     *
     * @param objects    the source statements
     * @param pipelineId the pipeline
     * @return the versions
     */
    SchemaVersions schemaVersions(ReplicationObjects objects, UUID pipelineId) {
        return SchemaVersions.load(db, objects, pipelineId);
    }

    /**
     * The copies a pipeline's runner has to take, oldest request first.
     *
     * @param pipelineId the pipeline
     * @return enabled tables whose copy is pending or was cut short
     */
    List<TableCopier.Request> copiesToTake(UUID pipelineId) {
        try (var rows = db.execute().createNamedQuery("snapshots-to-copy").addParam("pipeline_id", pipelineId).execute()) {
            return rows.map(r -> new TableCopier.Request(r.column("mapping_id").get(UUID.class), r.column("generation").get(Long.class),
                    new TableName(Rows.text(r, "source_schema"), Rows.text(r, "source_table")), Rows.strings(r, "last_key"),
                    Rows.strings(r, "key_columns"), r.column("allow_full_copy").get(Boolean.class), r.column("gap").get(Boolean.class))).toList();
        }
    }

    /**
     * The tables a pipeline captures now: those it started with and those added while it runs.
     *
     * @param pipelineId the pipeline
     * @return its enabled tables
     */
    List<TableName> enabledTables(UUID pipelineId) {
        try (var rows = db.execute().createNamedQuery("pipeline-enabled-tables").addParam("pipeline_id", pipelineId).execute()) {
            return rows.map(r -> new TableName(Rows.text(r, "source_schema"), Rows.text(r, "source_table"))).toList();
        }
    }

    /**
     * The generation of a table's copy now: a newer one than a copier's means a user asked for the copy again.
     *
     * @param mappingId the table's mapping
     * @return the generation, or -1 when the mapping is gone or disabled
     */
    long copyGeneration(UUID mappingId) {
        return db.execute().createNamedGet("snapshot-generation").addParam("mapping_id", mappingId).execute()
                .map(r -> r.column("generation").get(Long.class)).orElse(-1L);
    }

    void copyBegins(TableCopier.Request copy, long estimatedRows) {
        copyUpdate("snapshot-begin", copy, "rows_estimated", estimatedRows);
    }

    /* A copy that failed and will be taken again: the table's status shows why meanwhile. */
    void copyError(TableCopier.Request copy, String error) {
        copyUpdate("snapshot-error", copy, "error", error);
    }

    void copyFailed(TableCopier.Request copy, String error) {
        copyUpdate("snapshot-failed", copy, "error", error);
    }

    /* A change of one copy's state, for its generation only: a copy asked for again meanwhile is left alone. */
    private void copyUpdate(String statement, TableCopier.Request copy, String name, Object value) {
        db.execute().createNamedUpdate(statement).params(Map.of("mapping_id", copy.mappingId(), "generation", copy.generation(), name, value))
                .execute();
    }

    /**
     * Stored events in order.
     *
     * @param pipelineId the pipeline
     * @param after      the sequence number to read after
     * @param limit      at most this many
     * @param bytes      and no more once their JSON reaches this many bytes (the first event always comes)
     * @return the events
     */
    public List<StoredEvent> after(UUID pipelineId, long after, int limit, long bytes) {
        return after(db.execute(), pipelineId, after, limit, bytes);
    }

    /**
     * Stored events in order, read in a transaction of the caller's.
     *
     * @param exec       where to read
     * @param pipelineId the pipeline
     * @param after      the sequence number to read after
     * @param limit      at most this many
     * @param bytes      and no more once their JSON reaches this many bytes (the first event always comes)
     * @return the events
     */
    public List<StoredEvent> after(DbExecute exec, UUID pipelineId, long after, int limit, long bytes) {
        try (var rows = exec.createNamedQuery("events-after")
                .params(Map.of("pipeline_id", pipelineId, "after", after, "limit", limit, "bytes", bytes)).execute()) {
            return rows.map(EventStore::stored).toList();
        }
    }

    /**
     * The stored events among a range of seqs that match a filter, in order.
     *
     * @param pipelineId the pipeline
     * @param after      the sequence number to read after
     * @param until      the last sequence number to look at
     * @param filter     what the events must match
     * @param limit      at most this many
     * @param bytes      and no more once their JSON reaches this many bytes (the first event always comes)
     * @return the events, and whether the range was read to its end
     */
    public Matching matching(UUID pipelineId, long after, long until, Filter filter, int limit, long bytes) {
        Map<String, Object> p = new HashMap<>();
        p.put("pipeline_id", pipelineId);
        p.put("after", after);
        p.put("until", until);
        p.put("schema_name", filter.schema());
        p.put("table_name", filter.table());
        p.put("op", filter.op());
        p.put("limit", limit);
        p.put("bytes", bytes);
        long[] matched = {0};
        try (var rows = db.execute().createNamedQuery("events-matching").params(p).execute()) {
            List<StoredEvent> events = rows.map(r -> {
                matched[0] = r.column("matched").get(Long.class);
                return stored(r);
            }).toList();
            return new Matching(events, events.size() == matched[0] && matched[0] < limit);
        }
    }

    private static StoredEvent stored(DbRow r) {
        return new StoredEvent(r.column("seq").get(Long.class), Rows.text(r, "lsn"), Rows.text(r, "commit_lsn"), r.column("xid").get(Long.class),
                               Rows.instant(r, "commit_time"), Rows.text(r, "schema_name"), Rows.text(r, "table_name"), Rows.text(r, "op"),
                               Rows.text(r, "key"), Rows.text(r, "before"), Rows.text(r, "after"), r.column("schema_version").get(Integer.class));
    }

    /**
     * Which events a reader wants; each part null for any.
     *
     * @param schema the schema of their table
     * @param table  their table's name
     * @param op     their operation
     */
    public record Filter(String schema, String table, String op) {
        /**
         * Whether it lets every event through.
         *
         * @return true without any part
         */
        public boolean none() {
            return schema == null && table == null && op == null;
        }
    }

    /**
     * A filtered read.
     *
     * @param events   the events that matched, in order
     * @param complete whether every seq of the range was looked at (else the page ended at its last event)
     */
    public record Matching(List<StoredEvent> events, boolean complete) {
    }

    /**
     * Answers 404 unless the pipeline exists: what hangs off a pipeline (its consumers, its sinks) is asked for by its id.
     *
     * @param pipelineId the pipeline
     * @throws ApiException not-found naming the pipeline
     */
    public void requirePipeline(UUID pipelineId) {
        if (db.execute().createNamedGet("pipeline-exists").addParam("pipeline_id", pipelineId).execute().isEmpty()) {
            throw pipelineNotFound(pipelineId);
        }
    }

    /**
     * The 404 of a pipeline's part that is not there; the pipeline's own when the pipeline itself is gone.
     *
     * @param pipelineId the pipeline
     * @param part       what is missing, e.g. {@code consumer named billing}
     * @return the problem
     * @throws ApiException not-found naming the pipeline, when it does not exist
     */
    public ApiException notFound(UUID pipelineId, String part) {
        requirePipeline(pipelineId);
        return ApiException.notFound("Pipeline " + pipelineId + " has no " + part);
    }

    /**
     * The 404 of a pipeline that does not exist.
     *
     * @param pipelineId the pipeline
     * @return the problem
     */
    public static ApiException pipelineNotFound(UUID pipelineId) {
        return ApiException.notFound("Pipeline " + pipelineId + " not found");
    }

    /**
     * Which events of a pipeline can be read.
     *
     * @param pipelineId the pipeline
     * @return the oldest retained and the last stored seq
     */
    public Bounds bounds(UUID pipelineId) {
        return db.execute().createNamedGet("events-bounds").addParam("pipeline_id", pipelineId).execute()
                .map(r -> {
                    Long last = Rows.number(r, "last_seq");
                    Long first = Rows.number(r, "first_seq");
                    long lastSeq = last == null ? 0 : last;
                    return new Bounds(first == null ? lastSeq + 1 : first, lastSeq);
                })
                .orElse(new Bounds(1, 0));
    }

    /**
     * The events a pipeline keeps.
     *
     * @param firstSeq the oldest retained event, or {@code lastSeq + 1} when none is retained
     * @param lastSeq  the last event stored, 0 before the first
     */
    public record Bounds(long firstSeq, long lastSeq) {
        /**
         * Whether events right after a position were deleted by the retention.
         *
         * @param after the last seq a reader has
         * @return true when the next one is gone
         */
        public boolean expiredAfter(long after) {
            return after + 1 < firstSeq;
        }
    }

    /**
     * Per-table counters.
     *
     * @param pipelineId the pipeline
     * @return the tables that had events, by schema then table
     */
    public List<TableStat> tableStats(UUID pipelineId) {
        try (var rows = db.execute().createNamedQuery("table-stats-by-pipeline").addParam("pipeline_id", pipelineId).execute()) {
            return rows.map(r -> new TableStat(Rows.text(r, "schema_name"), Rows.text(r, "table_name"),
                                               r.column("events_processed").get(Long.class), Rows.instant(r, "last_event_at"))).toList();
        }
    }

    /*
     * Binary COPY has no DbClient API, so the events go in over plain JDBC first; the statements that follow
     * run through DbClient on the same connection, and all of it commits as one transaction.
     */
    private void transactionAfterCopy(CopyRows rows, Function<DbTransaction, Object> work) {
        Connection c;
        try {
            c = database.dataSource().getConnection();
        } catch (SQLException e) {
            throw new IllegalStateException("No connection to the metadata database: " + e.getMessage(), e);
        }
        DbTransaction tx;
        try {
            c.setAutoCommit(false);
            if (rows != null) {
                try (PGCopyOutputStream copy = new PGCopyOutputStream(c.unwrap(PGConnection.class), database.statements().sql("events-copy"),
                                                                      COPY_BUFFER_BYTES)) {
                    rows.write(new DataOutputStream(copy));
                }
            }
            tx = Transactions.on(c, database.statements().forDbClient());
        } catch (SQLException | IOException | RuntimeException e) {
            close(c, e);
            throw e instanceof RuntimeException r ? r : new IllegalStateException("Storing events failed: " + e.getMessage(), e);
        }
        try {
            Transactions.complete(tx, work);
        } finally {
            // The transaction's end returns the connection; should it not have (the work failed before its first
            // statement), this does, rolled back. Closing a returned connection again does nothing.
            close(c, null);
        }
    }

    private static void close(Connection c, Exception failure) {
        try (c) {
            if (!c.isClosed() && !c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    /* Writes rows in COPY's binary format. */
    @FunctionalInterface
    private interface CopyRows {
        void write(DataOutputStream out) throws IOException;
    }

    private static String lsnOrNull(long lsn) {
        return lsn == 0 ? null : ChangeEvent.lsn(lsn);
    }

    /*
     * Rows in COPY's binary format: a signature and two 32-bit words of header, then per row the number of
     * fields and each field as a 32-bit length (-1 for NULL) and its bytes in the type's binary form; uuid is
     * 16 bytes, bigint and pg_lsn 8, timestamptz 8 (microseconds since 2000-01-01), integer 4, text and json their UTF-8.
     */
    private static final class BinaryCopy {
        private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
        private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;
        private final DataOutputStream out;

        BinaryCopy(DataOutputStream out) throws IOException {
            this.out = out;
            out.write(SIGNATURE);
            out.writeInt(0);
            out.writeInt(0);
        }

        void row(UUID pipelineId, long seq, ChangeEvent e, Integer schemaVersion) throws IOException {
            out.writeShort(13);
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
            json(e.key());
            json(e.before());
            json(e.after());
            if (schemaVersion == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(4);
                out.writeInt(schemaVersion);
            }
        }

        void finish() throws IOException {
            out.writeShort(-1);
        }

        private void int64(long value) throws IOException {
            out.writeInt(8);
            out.writeLong(value);
        }

        private void text(String value) throws IOException {
            if (value == null) {
                out.writeInt(-1);
                return;
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }

        /* A row's JSON, its large values escaped as they are written (never held a second time). */
        private void json(RowJson value) throws IOException {
            if (value == null) {
                out.writeInt(-1);
            } else {
                value.writeField(out);
            }
        }
    }

    private static StreamState stream(DbRow r) {
        return new StreamState(r.column("pipeline_id").get(UUID.class), Rows.text(r, "slot_name"), Rows.text(r, "publication_name"),
                               r.column("slot_created").get(Boolean.class), r.column("publication_created").get(Boolean.class),
                               lsn(r, "start_lsn"), r.column("needs_slot").get(Boolean.class), lsn(r, "last_commit_lsn"),
                               lsn(r, "confirmed_lsn"), lsn(r, "partial_commit_lsn"), r.column("partial_events").get(Long.class),
                               r.column("last_seq").get(Long.class), r.column("events_processed").get(Long.class),
                               Rows.instant(r, "last_event_at"),
                               new StreamState.SlotSeen(Rows.text(r, "slot_wal_status"), Rows.number(r, "slot_retained_bytes"),
                                                        Rows.number(r, "slot_safe_wal_bytes"), lsn(r, "source_wal_lsn"),
                                                        Rows.instant(r, "slot_checked_at"), Rows.text(r, "slot_check_error")));
    }


    /* pg_lsn arrives as pgjdbc's PGobject; its text is the LSN. */
    private static long lsn(DbRow r, String column) {
        return r.column(column).asOptional().map(value -> ChangeEvent.lsn(value.toString())).orElse(0L);
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
     */
    record Position(long lastCommitLsn, long confirmedLsn, long partialCommitLsn, long partialEvents) {
    }

    /* Two progress reports of one copy in one transaction: the later one's position, the rows of both. */
    private static CopyProgress then(CopyProgress earlier, CopyProgress later) {
        if (earlier.generation() != later.generation()) {
            return later;
        }
        boolean moved = later.lastKey() != null;
        return new CopyProgress(later.mappingId(), later.generation(), moved ? later.lastKey() : earlier.lastKey(),
                                moved ? later.keyColumns() : earlier.keyColumns(), earlier.rows() + later.rows(), later.done(), later.chunk());
    }

    /** A runner that is no longer its pipeline's owner: another instance took it over. */
    static final class Fenced extends RuntimeException {
        Fenced(UUID pipelineId, long epoch) {
            super("pipeline " + pipelineId + " has a newer owner than this runner (epoch " + epoch + "): another instance took it over",
                  null, false, false);
        }
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
     * @param schemaVersion the version of its table's shape, or null (stored before versions were kept)
     */
    public record StoredEvent(long seq, String lsn, String commitLsn, Long xid, Instant commitTime, String schema, String table,
                              String op, String key, String before, String after, Integer schemaVersion) {
        private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());

        /**
         * The event's JSON, for a response: written once, without parsing its rows again.
         *
         * @return {@code {seq, lsn, commit_lsn, xid?, commit_time, schema, table, op, schema_version?, key?, before?, after?}}
         */
        public JsonText.Raw raw() {
            StringBuilder out = new StringBuilder(256);
            writeJson(out);
            return new JsonText.Raw(out.toString());
        }

        /**
         * The event's JSON on one line, as {@link #raw()} gives it, written without parsing its rows again (a
         * stored row that is not on one line is parsed and written compactly).
         *
         * @param out where to write
         */
        public void writeJson(StringBuilder out) {
            out.append("{\"seq\":").append(seq).append(",\"lsn\":\"").append(lsn).append("\",\"commit_lsn\":\"").append(commitLsn).append('"');
            if (xid != null) {
                out.append(",\"xid\":").append(xid);
            }
            out.append(",\"commit_time\":\"").append(commitTime).append("\",\"schema\":");
            JsonText.quote(out, schema);
            out.append(",\"table\":");
            JsonText.quote(out, table);
            out.append(",\"op\":\"").append(op).append('"');
            if (schemaVersion != null) {
                out.append(",\"schema_version\":").append(schemaVersion);
            }
            rawJson(out, "key", key);
            rawJson(out, "before", before);
            rawJson(out, "after", after);
            out.append('}');
        }

        private static void rawJson(StringBuilder out, String name, String json) {
            if (json == null) {
                return;
            }
            out.append(",\"").append(name).append("\":");
            if (json.indexOf('\n') < 0 && json.indexOf('\r') < 0) {
                out.append(json);
            } else {
                try (var reader = JSON.createReader(new StringReader(json))) {
                    out.append(reader.readValue());
                }
            }
        }
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
