package io.philotes.cdc;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.philotes.db.DatabaseErrors;
import io.philotes.source.SourceConnector;
import io.philotes.source.SourceFailure;
import io.philotes.source.TableDiscovery.TableName;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;

/**
 * Runs one pipeline for one owner (an epoch) until it is stopped: sets up its publication and slot on the
 * source, then reads the slot's changes into {@link Batch}es that an {@link EventWriter} stores, confirming to the
 * source only what is stored. Beside the stream, a {@link TableCopier} copies the tables that need it, in chunks
 * whose rows the stream emits at their watermarks ({@link CopyWindow}).
 * A failure puts the pipeline in {@code error} with the cause and is retried with capped exponential backoff
 * and jitter; when the cause is gone the pipeline is {@code running} again by itself. A runner whose pipeline
 * another instance took over ends at its next write.
 */
final class PipelineRunner implements Runnable {
    private static final System.Logger LOG = System.getLogger(PipelineRunner.class.getName());
    /* A stream without a message for this long is quiet: what it read is stored, and it polls less often. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long IDLE_POLL_MILLIS = 2;
    /* The longest an event waits in a batch while the stream stays busy. */
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    /* A stream confirms its position this often even with nothing new stored, and looks at its slot. */
    private static final long CONFIRM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /* How often what the runner saw of its slot is written down for status and metrics. */
    private static final long RECORD_SLOT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /* pgoutput sends logical decoding messages (the watermarks of table copies) from this major version on. */
    private static final int MESSAGES_VERSION = 14;

    private final PipelineSpec spec;
    private final SourceConnector connector;
    private final EventStore store;
    private final ReplicationObjects objects;
    private final StatusSink status;
    private final Duration timeout;
    private final long epoch;
    private volatile boolean stopping;
    private volatile Stop reason;
    private volatile TableCopier copier;
    private volatile long sourceWalLsn;
    private int failures;

    /** Why a runner stops. */
    enum Stop {
        /* A user stopped the pipeline: the runner records it stopped. */
        USER,
        /* The instance lets go of it (a shutdown, a lost lease, a take-over): it stays wanted running, for whoever runs it next. */
        DETACH
    }

    PipelineRunner(PipelineSpec spec, SourceConnector connector, EventStore store, ReplicationObjects objects, StatusSink status,
                   Duration timeout, long epoch) {
        this.spec = spec;
        this.connector = connector;
        this.store = store;
        this.objects = objects;
        this.status = status;
        this.timeout = timeout;
        this.epoch = epoch;
    }

    /**
     * Asks the runner to store what it has, confirm it and close the stream; a copy in progress ends at once.
     * A user's stop is never turned into a detach by a later one (a shutdown while stopping still records the stop).
     *
     * @param why why it stops
     */
    synchronized void stop(Stop why) {
        if (reason != Stop.USER) {
            reason = why;
        }
        stopping = true;
        TableCopier c = copier;
        if (c != null) {
            c.cancel();
        }
    }

    @Override
    public void run() {
        while (!stopping) {
            try {
                session();
            } catch (EventStore.Fenced e) {
                LOG.log(System.Logger.Level.WARNING, "Pipeline {0}: {1}; this instance lets it go", spec.name(), e.getMessage());
                stop(Stop.DETACH);
            } catch (RuntimeException | SQLException | OutOfMemoryError e) {
                if (stopping) {
                    break;
                }
                failures++;
                String cause = describe(e);
                LOG.log(System.Logger.Level.WARNING, "Pipeline {0} failed (attempt {1}): {2}", spec.name(), failures, cause);
                report(() -> status.error(spec.id(), epoch, cause));
                sleep(Pause.backoff(failures).toMillis());
            }
        }
        if (reason == Stop.USER) {
            report(() -> status.stopped(spec.id(), epoch));
        }
    }

    /**
     * The source's current WAL position, as last seen while streaming.
     *
     * @return the LSN, or 0 before the first look
     */
    long sourceWalLsn() {
        return sourceWalLsn;
    }

    /*
     * One session: connect, set up, stream until stopped or failed. Plain JDBC on the source: the replication
     * protocol has no DbClient API, and the other connection is held across steps (the copy's transaction
     * imports the new slot's snapshot), where DbClient would close it after each statement.
     */
    private void session() throws SQLException {
        InetAddress address = connector.approve(spec.source());
        try (Connection sql = connector.connect(spec.source(), address, timeout, false);
             Connection replication = connector.connect(spec.source(), address, timeout, true)) {
            objects.sameTextForms(sql);
            objects.sameTextForms(replication);
            if (sql.getMetaData().getDatabaseMajorVersion() < MESSAGES_VERSION) {
                throw new StreamFailure("PostgreSQL " + sql.getMetaData().getDatabaseProductVersion() + " does not send logical decoding"
                        + " messages through pgoutput, which table copies use as their watermarks: upgrade the source to PostgreSQL "
                        + MESSAGES_VERSION + " or later");
            }
            StreamState state = store.stream(spec.id()).orElse(null);
            SchemaVersions schemas = store.schemaVersions(objects, spec.id());
            // Read at every session: a table added while the pipeline ran must stay in its publication.
            List<TableName> tables = store.enabledTables(spec.id());
            String publication = publication(sql, tables);
            if (state == null || state.needsSlot()) {
                state = createSlot(sql, replication, publication, state, tables, schemas);
            } else {
                checkSlot(sql, state);
            }
            long from = Math.max(state.confirmedLsn(), state.startLsn());
            PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(state.slotName())
                    .withStartPosition(LogSequenceNumber.valueOf(from))
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", state.publicationName())
                    // The watermarks of table copies (logical decoding messages, PostgreSQL 14 and later).
                    .withSlotOption("messages", "true")
                    .withStatusInterval(10, TimeUnit.SECONDS)
                    // The source hears only of positions this runner stored, never of ones pgjdbc saw in keepalives.
                    .withAutomaticFlush(false)
                    .start();
            report(() -> status.running(spec.id(), epoch));
            failures = 0;
            LOG.log(System.Logger.Level.INFO, "Pipeline {0} is streaming from slot {1} at {2}", spec.name(), state.slotName(),
                    ChangeEvent.lsn(from));
            CopyWindow window = new CopyWindow(spec.id(), epoch);
            TableCopier c = new TableCopier(spec, tables, connector, address, timeout, store, objects, schemas, window, () -> stopping);
            Thread copying = Thread.ofVirtual().name("philotes-copy-" + spec.name()).start(c);
            copier = c;
            try {
                read(stream, state, sql, window, c, schemas);
            } finally {
                copier = null;
                c.close();
                join(copying);
            }
        }
    }

    /*
     * Reads until stopped, while the writer stores: reading and decoding go on while the previous batch is
     * written. A batch is cut when it is full, when the stream has been quiet for a moment, or when its first
     * event has waited long enough; so a busy stream stores large batches and a trickle is still stored within a
     * fraction of a second. When everything read is stored and the server says it has sent more WAL (changes of
     * tables the pipeline does not capture), that position is stored too, then confirmed, so a quiet pipeline
     * never holds its source's WAL. The source hears only of what is stored.
     */
    private void read(PGReplicationStream stream, StreamState stored, Connection sql, CopyWindow window, TableCopier copier,
                      SchemaVersions schemas) throws SQLException {
        Changes changes = new Changes(schemas, sql);
        Batch batch = new Batch(stored, spec.batchSize(), spec.batchBytes(), window);
        EventWriter writer = new EventWriter(store, stored, epoch, spec.batchSize(), window::stored,
                                             (schema, table) -> schemas.current(new TableName(schema, table)));
        Thread writing = Thread.ofVirtual().name("philotes-store-" + spec.name()).start(writer);
        long confirmed = stored.confirmedLsn();
        long lastMessage = System.nanoTime();
        long lastStatus = lastMessage;
        long lastIdleStore = lastMessage;
        long lastSlotLook = 0;
        long lastSlotRecord = 0;
        try {
            while (!stopping) {
                writer.check();
                ByteBuffer message;
                try {
                    message = stream.readPending();
                } catch (SQLException e) {
                    if (stopping) {
                        break;
                    }
                    throw e;
                }
                long now = System.nanoTime();
                if (message != null) {
                    batch.take(PgOutput.decode(message), stream.getLastReceiveLSN().asLong(), changes);
                    if (window.fullCopyDue() != null) {
                        copier.fullCopy(batch, writer, stream);
                    }
                    lastMessage = now;
                    if (batch.full()) {
                        writer.submit(batch.cut());
                    }
                    continue;
                }
                boolean quiet = now - lastMessage > QUIET_NANOS;
                if (batch.hasWork() && (quiet || now - batch.firstTakenAt() > MAX_WAIT_NANOS)) {
                    writer.submit(batch.cut());
                } else if (quiet && now - lastIdleStore > CONFIRM_EVERY_NANOS && batch.idleAt(stream.getLastReceiveLSN().asLong())) {
                    writer.submit(batch.cut());
                    lastIdleStore = now;
                }
                long storedLsn = writer.confirmedLsn();
                if (storedLsn > confirmed || now - lastStatus > CONFIRM_EVERY_NANOS) {
                    confirm(stream, storedLsn);
                    confirmed = storedLsn;
                    lastStatus = now;
                }
                if (now - lastSlotLook > CONFIRM_EVERY_NANOS) {
                    boolean record = now - lastSlotRecord > RECORD_SLOT_EVERY_NANOS;
                    look(sql, stored.slotName(), record);
                    lastSlotLook = now;
                    lastSlotRecord = record ? now : lastSlotRecord;
                }
                if (!sleep(quiet ? IDLE_POLL_MILLIS : 1)) {
                    break;
                }
            }
        } finally {
            writer.finish(batch.cut());
            join(writing);
        }
        writer.check();
        confirm(stream, writer.confirmedLsn());
        stream.close();
    }

    /* Looks at the slot on the source: the server's position (for the lag), and now and then records what it holds. */
    private void look(Connection sql, String slot, boolean record) throws SQLException {
        ReplicationObjects.SlotState state = objects.slot(sql, slot).orElseThrow(() -> slotGone(slot));
        sourceWalLsn = state.currentLsn();
        if (record) {
            store.slotSeen(spec.id(), slot, state, null);
        }
    }

    private static void confirm(PGReplicationStream stream, long lsn) throws SQLException {
        if (lsn > 0) {
            stream.setFlushedLSN(LogSequenceNumber.valueOf(lsn));
            stream.setAppliedLSN(LogSequenceNumber.valueOf(lsn));
        }
        stream.forceUpdateStatus();
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /* The publication the pipeline reads: the source's named one as it is, or the pipeline's own, kept to its tables. */
    private String publication(Connection c, List<TableName> tables) throws SQLException {
        String named = spec.source().publicationName();
        if (named != null) {
            if (!objects.publicationExists(c, named)) {
                throw new StreamFailure("publication " + named + " named by the source does not exist; create it or clear publication_name");
            }
            return named;
        }
        objects.ensurePublication(c, spec.ownName(), tables);
        return spec.ownName();
    }

    /*
     * A new slot: a first start, or a resnapshot dropped the last one. A slot left by an earlier start is dropped
     * first, only while this runner is still the pipeline's owner. Where events were stored before, a truncate of
     * every table comes first: they may hold rows deleted in the gap, and replaying the events must give the
     * source's rows; the copies (every table is pending) follow.
     */
    private StreamState createSlot(Connection sql, Connection replication, String publication, StreamState before, List<TableName> tables,
                                   SchemaVersions schemas) throws SQLException {
        String slot = spec.ownName();
        store.requireOwner(spec.id(), epoch);
        objects.dropSlot(sql, slot);
        ReplicationSlotInfo info = replication.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot().logical()
                .withSlotName(slot).withOutputPlugin("pgoutput").make();
        long start = info.getConsistentPoint().asLong();
        StreamState state = store.beginStream(spec.id(), epoch, slot, publication, spec.source().publicationName() == null, start);
        if (before != null && state.lastSeq() > 0) {
            Instant now = Instant.now();
            List<ChangeEvent> truncates = tables.stream()
                    .map(t -> new ChangeEvent(start, start, null, now, t.schema(), t.table(), "truncate", null, null, null, schemas.current(t)))
                    .toList();
            state = store.append(state, truncates, new EventStore.Position(0, 0, 0, 0), epoch);
        }
        return state;
    }

    /*
     * The slot must still be there and whole, and must not have confirmed more than is stored: the metadata database
     * restored from an older backup would otherwise leave a silent gap.
     */
    private void checkSlot(Connection c, StreamState state) throws SQLException {
        ReplicationObjects.SlotState slot = objects.slot(c, state.slotName()).orElseThrow(() -> slotGone(state.slotName()));
        store.slotSeen(spec.id(), state.slotName(), slot, null);
        sourceWalLsn = slot.currentLsn();
        long stored = Math.max(state.confirmedLsn(), state.startLsn());
        if (slot.lost()) {
            throw new StreamFailure("replication slot " + state.slotName() + " was invalidated by the source (wal_status lost: it removed"
                    + " WAL the slot still needed, see max_slot_wal_keep_size); the changes after " + ChangeEvent.lsn(stored)
                    + " are gone, so a new copy is needed: " + resnapshotHint());
        }
        if (slot.confirmedLsn() > stored) {
            throw new StreamFailure("events between " + ChangeEvent.lsn(stored) + " and " + ChangeEvent.lsn(slot.confirmedLsn())
                    + " are missing from the metadata database: slot " + state.slotName() + " on the source confirmed them, but they are"
                    + " not stored here (was the metadata database restored from an older backup?). Restore a backup taken after "
                    + ChangeEvent.lsn(slot.confirmedLsn()) + ", or take a new copy: " + resnapshotHint());
        }
    }

    private StreamFailure slotGone(String slot) {
        return new StreamFailure("replication slot " + slot + " is gone from the source: the changes since the stored position"
                + " cannot be read, so a new copy is needed: " + resnapshotHint());
    }

    private String resnapshotHint() {
        String path = "/api/v1/pipelines/" + spec.id();
        return "stop the pipeline (POST " + path + "/stop), then POST " + path + "/resnapshot and start it again";
    }

    /* A state report that fails (the metadata database is down) must not end the runner. */
    private void report(Runnable report) {
        try {
            report.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Pipeline {0}: its state could not be recorded: {1}", spec.name(),
                    DatabaseErrors.message(e));
        }
    }

    /*
     * A change too large for the heap (pgjdbc reads each replication message into one array) fails this pipeline
     * alone, with the way out; the array was never allocated, so the rest of the service goes on.
     */
    private static String describe(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "the source sent a change larger than this instance's heap can hold (at most " + Runtime.getRuntime().maxMemory() / 1048576
                   + " MiB): start the service with a larger heap (JAVA_OPTS or PHILOTES_JAVA_OPTIONS, e.g. -Xmx512m)";
        }
        if (e instanceof SourceFailure f) {
            return f.kind().label() + ": " + f.getMessage();
        }
        return DatabaseErrors.message(e).replace('\n', ' ');
    }

    /* Sleeps in short steps unless stopped; false when the runner should stop. */
    private boolean sleep(long millis) {
        return Pause.sleep(millis, () -> stopping);
    }

    /** A source that cannot be streamed from as it is (a publication or slot missing, a slot lost). */
    static final class StreamFailure extends RuntimeException {
        StreamFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Where the engine reports a pipeline's state, as one owner of it. */
    interface StatusSink {
        void running(UUID id, long epoch);

        void error(UUID id, long epoch, String message);

        void stopped(UUID id, long epoch);
    }
}
