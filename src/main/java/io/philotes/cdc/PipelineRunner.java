package io.philotes.cdc;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
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
 * Runs one pipeline until it is stopped: sets up its publication and slot on the source (and takes the
 * initial copy from the slot's exported snapshot), then streams the slot's changes into the event store
 * in batches, confirming to the source only what is stored. A failure puts the pipeline in {@code error}
 * with the cause and is retried with capped exponential backoff and jitter; when the cause is gone the
 * pipeline is {@code running} again by itself.
 */
final class PipelineRunner implements Runnable {
    private static final System.Logger LOG = System.getLogger(PipelineRunner.class.getName());
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /* A stream without a message for this long is quiet: what it read is stored, and it polls less often. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long IDLE_POLL_MILLIS = 2;
    /* The longest an event waits in a batch while the stream stays busy. */
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /* A stream with nothing to store still confirms its position this often, so the source can free WAL. */
    private static final long CONFIRM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PipelineSpec spec;
    private final SourceConnector connector;
    private final EventStore store;
    private final StatusSink status;
    private final Duration timeout;
    private volatile boolean stopping;
    private volatile boolean shutdown;
    private volatile long sourceWalLsn;
    private int failures;

    PipelineRunner(PipelineSpec spec, SourceConnector connector, EventStore store, StatusSink status, Duration timeout) {
        this.spec = spec;
        this.connector = connector;
        this.store = store;
        this.status = status;
        this.timeout = timeout;
    }

    /**
     * Asks the runner to store what it has, confirm it and close the stream.
     *
     * @param shutdown true when the service shuts down: the pipeline then stays wanted running (and resumes
     *                 at the next start); false when a user stopped it
     */
    void stop(boolean shutdown) {
        this.shutdown = shutdown;
        stopping = true;
    }

    @Override
    public void run() {
        while (!stopping) {
            try {
                stream();
            } catch (RuntimeException | SQLException e) {
                if (stopping) {
                    break;
                }
                failures++;
                String cause = describe(e);
                LOG.log(System.Logger.Level.WARNING, "Pipeline {0} failed (attempt {1}): {2}", spec.name(), failures, cause);
                report(() -> status.error(spec.id(), cause));
                sleep(backoff(failures).toMillis());
            }
        }
        if (!shutdown) {
            report(() -> status.stopped(spec.id()));
        }
    }

    /*
     * One session: connect, set up, stream until stopped or failed. Plain JDBC on the source: the replication
     * protocol has no DbClient API, and the other connection is held across steps (the copy's transaction
     * imports the new slot's snapshot), where DbClient would close it after each statement.
     */
    private void stream() throws SQLException {
        InetAddress address = connector.approve(spec.source());
        try (Connection sql = connector.connect(spec.source(), address, timeout, false);
             Connection replication = connector.connect(spec.source(), address, timeout, true)) {
            sameTextForms(sql);
            sameTextForms(replication);
            StreamState state = store.stream(spec.id()).orElse(null);
            if (state != null && !state.snapshotDone()) {
                // A snapshot cut short cannot be resumed: its exported snapshot is gone. Start over.
                LOG.log(System.Logger.Level.INFO, "Pipeline {0}: the initial copy was interrupted; taking it again", spec.name());
                dropSlot(sql, state.slotName());
                store.resetStream(spec.id());
                state = null;
            }
            String publication = publication(sql);
            if (state == null) {
                state = createSlot(sql, replication, publication);
            } else {
                requireSlot(sql, state);
            }
            PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(state.slotName())
                    .withStartPosition(LogSequenceNumber.valueOf(Math.max(state.confirmedLsn(), state.startLsn())))
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", state.publicationName())
                    .withStatusInterval(10, TimeUnit.SECONDS)
                    .start();
            report(() -> status.running(spec.id()));
            failures = 0;
            LOG.log(System.Logger.Level.INFO, "Pipeline {0} is streaming from slot {1} at {2}", spec.name(), state.slotName(),
                    ChangeEvent.lsn(Math.max(state.confirmedLsn(), state.startLsn())));
            read(stream, state, sql);
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
     * Reads until stopped, while a second thread stores: reading and decoding go on while the previous batch
     * is written. A batch is cut when it is full, when the stream has been quiet for a moment, or when its first
     * event has waited long enough; so a busy stream stores large batches and a trickle is still stored within a
     * fraction of a second. The source hears only of what is stored.
     */
    private void read(PGReplicationStream stream, StreamState stored, Connection sql) throws SQLException {
        Changes changes = new Changes();
        Batch batch = new Batch(stored);
        Writer writer = new Writer(stored);
        Thread writing = Thread.ofVirtual().name("philotes-store-" + spec.name()).start(writer);
        long confirmed = stored.confirmedLsn();
        long lastMessage = System.nanoTime();
        long lastCut = lastMessage;
        long lastStatus = lastMessage;
        long lastWalLook = 0;
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
                    lastMessage = now;
                    if (batch.full()) {
                        writer.submit(batch.cut());
                        lastCut = now;
                    }
                    continue;
                }
                boolean quiet = now - lastMessage > QUIET_NANOS;
                if (batch.hasWork() && (quiet || now - batch.firstTakenAt() > MAX_WAIT_NANOS)) {
                    writer.submit(batch.cut());
                    lastCut = now;
                }
                long storedLsn = writer.confirmedLsn();
                if (storedLsn > confirmed || now - lastStatus > CONFIRM_EVERY_NANOS) {
                    confirm(stream, storedLsn);
                    confirmed = storedLsn;
                    lastStatus = now;
                }
                if (now - lastWalLook > CONFIRM_EVERY_NANOS) {
                    sourceWalLsn = currentWal(sql);
                    lastWalLook = now;
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

    /* Events cut from the stream, and where the stream stands once they are stored. */
    private record Chunk(List<ChangeEvent> events, EventStore.Position position) {
    }

    /*
     * Stores chunks in order, each in one metadata transaction, on its own thread. At most two wait, so a
     * reader faster than the store waits for it instead of filling the heap.
     */
    private final class Writer implements Runnable {
        private static final Chunk END = new Chunk(List.of(), null);
        private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(2);
        private volatile StreamState state;
        private volatile RuntimeException failure;
        private volatile boolean ended;

        Writer(StreamState state) {
            this.state = state;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Chunk chunk = queue.take();
                    if (chunk == END) {
                        return;
                    }
                    state = store.append(state, chunk.events(), chunk.position());
                }
            } catch (RuntimeException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ended = true;
            }
        }

        /* Queues a chunk, waiting while two are queued; fails when the writer has failed. */
        void submit(Chunk chunk) {
            if (chunk == null) {
                return;
            }
            try {
                while (!queue.offer(chunk, 50, TimeUnit.MILLISECONDS)) {
                    check();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while storing events", e);
            }
            check();
        }

        /* The last chunk, then the end; the writer stores what is queued and ends. */
        void finish(Chunk last) {
            try {
                if (failure == null) {
                    submit(last);
                }
            } finally {
                while (!ended && !queue.offer(END)) {
                    Thread.onSpinWait();
                }
            }
        }

        void check() {
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
        }

        long confirmedLsn() {
            return state.confirmedLsn();
        }
    }

    /*
     * The events of the transactions read since the last cut, and where the stream will stand once they are
     * stored. Transactions the store already has are skipped whole; of one stored in part, the stored events.
     */
    private final class Batch {
        private final StreamState stored;
        private List<ChangeEvent> events = new ArrayList<>();
        private long lastCommitLsn;
        private long confirmedLsn;
        private long inTransaction;
        private long transactionLsn;
        private boolean skipping;
        private long toSkip;
        private boolean moved;
        private long firstTakenAt;

        Batch(StreamState stored) {
            this.stored = stored;
            this.lastCommitLsn = stored.lastCommitLsn();
            this.confirmedLsn = stored.confirmedLsn();
        }

        void take(PgOutput.Message message, long lsn, Changes changes) {
            switch (message) {
                case PgOutput.Begin b -> {
                    transactionLsn = b.finalLsn();
                    skipping = b.finalLsn() <= lastCommitLsn;
                    toSkip = b.finalLsn() == stored.partialCommitLsn() ? stored.partialEvents() : 0;
                    inTransaction = 0;
                }
                case PgOutput.Commit c -> {
                    if (!skipping) {
                        lastCommitLsn = c.commitLsn();
                        confirmedLsn = c.endLsn();
                        moved = true;
                    }
                    skipping = false;
                    inTransaction = 0;
                }
                default -> { }
            }
            int before = events.size();
            if (!hasWork()) {
                firstTakenAt = System.nanoTime();
            }
            changes.accept(message, lsn, events);
            int added = events.size() - before;
            if (added > 0 && (skipping || toSkip > 0)) {
                int drop = skipping ? added : (int) Math.min(added, toSkip);
                toSkip -= skipping ? 0 : drop;
                events.subList(events.size() - added, events.size() - added + drop).clear();
                inTransaction += drop;
                added -= drop;
            }
            inTransaction += added;
        }

        boolean full() {
            return events.size() >= spec.batchSize();
        }

        boolean hasWork() {
            return !events.isEmpty() || moved;
        }

        long firstTakenAt() {
            return firstTakenAt;
        }

        /* Hands the events over with the position after them; null when there is nothing to store. */
        Chunk cut() {
            if (!hasWork()) {
                return null;
            }
            boolean open = inTransaction > 0 && !skipping;
            Chunk chunk = new Chunk(events, new EventStore.Position(lastCommitLsn, confirmedLsn, open ? transactionLsn : 0,
                                                                     open ? inTransaction : 0, true));
            events = new ArrayList<>(Math.min(spec.batchSize(), Math.max(16, events.size())));
            moved = false;
            return chunk;
        }
    }

    /* The publication the pipeline reads: the source's named one as it is, or the pipeline's own, kept to its tables. */
    private String publication(Connection c) throws SQLException {
        if (spec.source().publicationName() != null) {
            if (!exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", spec.source().publicationName())) {
                throw new StreamFailure("publication " + spec.source().publicationName()
                        + " named by the source does not exist; create it or clear publication_name");
            }
            return spec.source().publicationName();
        }
        String name = spec.ownName();
        String tables = String.join(", ", spec.tables().stream().map(TableName::toString).toList());
        try (Statement st = c.createStatement()) {
            if (exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", name)) {
                st.execute("ALTER PUBLICATION " + name + " SET TABLE " + tables);
            } else {
                st.execute("CREATE PUBLICATION " + name + " FOR TABLE " + tables + " WITH (publish_via_partition_root = true)");
            }
        }
        return name;
    }

    /* A new slot, and the initial copy from its exported snapshot (unless the pipeline says never). */
    private StreamState createSlot(Connection sql, Connection replication, String publication) throws SQLException {
        String slot = spec.ownName();
        dropSlot(sql, slot); // left over from a start that failed before its stream was stored
        ReplicationSlotInfo info = replication.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot().logical()
                .withSlotName(slot).withOutputPlugin("pgoutput").make();
        long start = info.getConsistentPoint().asLong();
        boolean snapshot = spec.snapshot();
        StreamState state = store.createStream(spec.id(), slot, publication, true, spec.source().publicationName() == null, start, !snapshot);
        if (snapshot) {
            state = new Snapshot(sql, info.getSnapshotName(), start).copy(state);
        }
        return state;
    }

    /* Copies every mapped table as it was at the slot's consistent point, as snapshot events. */
    private final class Snapshot {
        private final Connection c;
        private final String name;
        private final long lsn;

        Snapshot(Connection c, String name, long lsn) {
            this.c = c;
            this.name = name;
            this.lsn = lsn;
        }

        StreamState copy(StreamState state) throws SQLException {
            Instant taken = Instant.now();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT '" + name.replace("'", "''") + "'");
                for (TableName table : spec.tables()) {
                    state = table(table, taken, state);
                }
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
            return store.append(state, List.of(), new EventStore.Position(0, 0, 0, 0, true));
        }

        private StreamState table(TableName table, Instant taken, StreamState state) throws SQLException {
            List<SnapshotColumn> columns = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT a.attname, a.atttypid, COALESCE(i.indisprimary, false) AS key
                    FROM pg_attribute a
                    LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)
                    WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                    ORDER BY a.attnum""")) {
                ps.setString(1, table.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.add(new SnapshotColumn(rs.getString(1), rs.getInt(2), rs.getBoolean(3)));
                    }
                }
            }
            // Values as the types' output functions write them, the same text the stream carries: no casts (a cast to
            // text differs for some types, boolean among them), and source connections read results as text.
            String select = "SELECT " + String.join(", ", columns.stream().map(col -> TableName.quote(col.name())).toList()) + " FROM " + table;
            List<ChangeEvent> events = new ArrayList<>();
            try (Statement st = c.createStatement()) {
                st.setFetchSize(spec.batchSize());
                try (ResultSet rs = st.executeQuery(select)) {
                    while (rs.next()) {
                        JsonRow row = new JsonRow();
                        JsonRow key = new JsonRow();
                        for (int i = 0; i < columns.size(); i++) {
                            SnapshotColumn col = columns.get(i);
                            String value = rs.getString(i + 1);
                            row.add(col.name(), col.type(), value);
                            if (col.key()) {
                                key.add(col.name(), col.type(), value);
                            }
                        }
                        events.add(new ChangeEvent(lsn, lsn, null, taken, table.schema(), table.table(), "snapshot",
                                                   key.isEmpty() ? null : key.json(), null, row.json()));
                        if (events.size() >= spec.batchSize()) {
                            state = store.append(state, events, new EventStore.Position(0, 0, 0, 0, false));
                            events.clear();
                        }
                    }
                }
            }
            return events.isEmpty() ? state : store.append(state, events, new EventStore.Position(0, 0, 0, 0, false));
        }
    }

    private record SnapshotColumn(String name, int type, boolean key) {
    }

    private void requireSlot(Connection c, StreamState state) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT to_jsonb(s) ->> 'wal_status' FROM pg_replication_slots s WHERE slot_name = ?")) {
            ps.setString(1, state.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StreamFailure("replication slot " + state.slotName()
                            + " is gone from the source: changes since " + ChangeEvent.lsn(state.confirmedLsn())
                            + " cannot be read; delete and re-create the pipeline to take a new snapshot");
                }
                if ("lost".equals(rs.getString(1))) {
                    throw new StreamFailure("replication slot " + state.slotName()
                            + " was invalidated (the source removed WAL it still needed): a new snapshot is needed;"
                            + " delete and re-create the pipeline");
                }
            }
        }
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

    private static long currentWal(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return ChangeEvent.lsn(rs.getString(1));
        }
    }

    /* Drops a slot if it exists; one still held by a reader is an error, never silently kept. */
    static void dropSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /* Values in the same text forms in the snapshot and in the stream, whatever the server's defaults. */
    private static void sameTextForms(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3;"
                       + " SET bytea_output = 'hex'");
        }
    }

    private static boolean exists(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }


    private static String describe(Exception e) {
        if (e instanceof SourceFailure f) {
            return f.kind().label() + ": " + f.getMessage();
        }
        return DatabaseErrors.message(e).replace('\n', ' ');
    }

    private static Duration backoff(int failures) {
        long base = Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(failures - 1, 10));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    /* Sleeps in short steps unless stopped; false when the runner should stop. */
    private boolean sleep(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (!stopping && System.nanoTime() < end) {
                Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !stopping;
    }

    /** A source that cannot be streamed from as it is (a publication or slot missing, a slot lost). */
    static final class StreamFailure extends RuntimeException {
        StreamFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Where the engine reports a pipeline's state. */
    interface StatusSink {
        void running(UUID id);

        void error(UUID id, String message);

        void stopped(UUID id);
    }
}
