package io.philotes.cdc;

import java.net.InetAddress;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.philotes.db.DatabaseErrors;
import io.philotes.source.SourceConnector;
import io.philotes.source.TableDiscovery.TableName;
import org.postgresql.replication.PGReplicationStream;

/**
 * Takes a running pipeline's table copies, one table at a time, beside its stream: the tables of a new pipeline,
 * tables added to it, and copies asked for again. A table is read in key order, a chunk at a time, each chunk in
 * its own short transaction between watermarks ({@link CopyWindow}); no transaction stays open for longer than one
 * chunk's read. The chunk's rows are stored by the stream, with the copy's progress, so a stop, a crash or a take-over
 * goes on from the last stored chunk. A table without a key is copied whole, when its mapping allows it.
 *
 * <p>It has its own connection to the source, opened while there is a copy to take. A copy that fails (the source
 * went away) is retried with backoff and its error shown in the table's status; the stream goes on meanwhile.
 */
final class TableCopier implements Runnable {
    private static final System.Logger LOG = System.getLogger(TableCopier.class.getName());
    /* How often the metadata is asked for copies to take when there are none. */
    private static final long POLL_MILLIS = 1000;
    private static final long SETTLE_MILLIS = 5;
    private static final long SETTLE_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long WRITERS_TOLD_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int FETCH_ROWS = 1000;
    /* How often a whole-table copy, which holds the stream, tells the source the stream is alive. */
    private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final PipelineSpec spec;
    private final SourceConnector connector;
    private final InetAddress address;
    private final Duration timeout;
    private final EventStore store;
    private final SchemaVersions schemas;
    private final ReplicationObjects objects;
    private final CopyWindow window;
    private final BooleanSupplier stopping;
    private final Set<TableName> published;
    /* Copies this copier finished: their progress is stored with the stream's next batch, which may not have happened yet. */
    private final Set<Finished> finished = new HashSet<>();
    private volatile Connection connection;
    private volatile Statement running;
    private volatile boolean closed;
    private int failures;

    /**
     * A copy a pipeline has to take.
     *
     * @param mappingId     the table's mapping
     * @param generation    the request's generation
     * @param table         the table
     * @param lastKey       the key of the last row stored, null to start from the first
     * @param keyColumns    the columns of that key
     * @param allowFullCopy whether a table without a key may be copied whole
     * @param gap           whether the pipeline's events already hold the table from before a time its changes were not
     *                      captured (its mapping was disabled, or removed and added again): the copy begins with a truncate
     */
    record Request(UUID mappingId, long generation, TableName table, List<String> lastKey, List<String> keyColumns, boolean allowFullCopy,
                   boolean gap) {
    }

    /* A copy this copier finished: one generation of one table's copy. */
    private record Finished(UUID mappingId, long generation) {
        static Finished of(Request r) {
            return new Finished(r.mappingId(), r.generation());
        }
    }

    TableCopier(PipelineSpec spec, List<TableName> published, SourceConnector connector, InetAddress address, Duration timeout, EventStore store,
                ReplicationObjects objects, SchemaVersions schemas, CopyWindow window, BooleanSupplier stopping) {
        this.spec = spec;
        this.schemas = schemas;
        this.connector = connector;
        this.address = address;
        this.timeout = timeout;
        this.store = store;
        this.objects = objects;
        this.window = window;
        this.stopping = () -> closed || stopping.getAsBoolean();
        this.published = new LinkedHashSet<>(published);
    }

    @Override
    public void run() {
        try {
            while (!stopping.getAsBoolean()) {
                Request next = null;
                try {
                    List<Request> todo = store.copiesToTake(spec.id()).stream().filter(r -> !finished.contains(Finished.of(r))).toList();
                    if (todo.isEmpty()) {
                        disconnect();
                        sleep(POLL_MILLIS);
                        continue;
                    }
                    next = todo.getFirst();
                    copy(next);
                    failures = 0;
                } catch (SQLException | RuntimeException | OutOfMemoryError e) {
                    // An OutOfMemoryError too (rows larger than the heap): a copier that died silently would leave its copy stalled.
                    if (stopping.getAsBoolean()) {
                        break;
                    }
                    failed(next, e);
                }
            }
        } finally {
            disconnect();
        }
    }

    /** Ends the copier at once: the statement it waits for is cancelled. */
    void close() {
        closed = true;
        cancel();
    }

    /** Cancels the statement a copy waits for, if any (a stop while the server is slow). */
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

    private void copy(Request r) throws SQLException {
        Connection c = connect();
        String named = spec.source().publicationName();
        if (named == null && !published.contains(r.table())) {
            // A table added while the pipeline runs: its changes are streamed from its publication on.
            List<TableName> tables = new ArrayList<>(published);
            tables.add(r.table());
            objects.ensurePublication(c, spec.ownName(), tables);
            published.add(r.table());
        } else if (named != null && !objects.publishes(c, named, r.table())) {
            store.copyFailed(r, "publication " + named + ", which the source names, does not publish table " + r.table() + ", so its changes"
                                + " would be missing: ALTER PUBLICATION " + TableName.quote(named) + " ADD TABLE " + r.table()
                                + "; then copy the table again (POST /api/v1/pipelines/" + spec.id() + "/tables/" + r.mappingId() + "/resnapshot)");
            return;
        }
        CopyPlan plan = CopyPlan.of(objects, c, r.table(), schemas).orElse(null);
        if (plan == null) {
            store.copyFailed(r, "table " + r.table() + " does not exist on the source (or has no columns)");
            return;
        }
        if (!plan.chunked() && !r.allowFullCopy()) {
            store.copyFailed(r, CopyPlan.unchunkable(r.table()));
            return;
        }
        if (r.lastKey() == null && !writersEnded(c, r)) {
            return;
        }
        store.copyBegins(r, plan.estimatedRows());
        window.begin(task(r, plan), r.gap() && r.lastKey() == null);
        try {
            if (plan.chunked()) {
                chunks(c, r, plan);
            } else {
                whole(c, r);
            }
        } finally {
            window.end();
        }
    }

    /*
     * Chunk after chunk, each between its watermarks, until the table is done, stopped, or asked for again. Each chunk
     * reads the table's plan anew: columns added or dropped meanwhile are in its rows as they are in the stream; a table
     * that got another key starts over by it (or, without one, is left to the next look, which copies it whole or says
     * why not).
     */
    private void chunks(Connection c, Request r, CopyPlan first) throws SQLException {
        CopyPlan plan = first;
        List<String> key = plan.keyColumns().equals(r.keyColumns()) ? r.lastKey() : null;
        long emitted = 0;
        while (!stopping.getAsBoolean()) {
            if (store.copyGeneration(r.mappingId()) != r.generation()) {
                return;
            }
            long id = window.nextChunk();
            watermark(c, window.watermark(id, true));
            Read read = read(c, r.table(), plan, key);
            if (read == null) {
                return;
            }
            if (read.plan() == null) {
                store.copyFailed(r, "table " + r.table() + " was dropped from the source during its copy");
                return;
            }
            plan = read.plan();
            if (read.chunk() == null) {
                LOG.log(System.Logger.Level.INFO, "Pipeline {0}: table {1} got another key during its copy, which starts over", spec.name(),
                        r.table());
                if (!plan.chunked()) {
                    return;
                }
                window.replan(task(r, plan));
                key = null;
                continue;
            }
            CopyWindow.Chunk chunk = read.chunk();
            window.hand(chunk);
            watermark(c, window.watermark(id, false));
            CopyWindow.Outcome outcome = await(() -> window.await(id, stopping));
            if (outcome == null) {
                return;
            }
            if (outcome == CopyWindow.Outcome.EMITTED) {
                if (chunk.done()) {
                    finished.add(Finished.of(r));
                    LOG.log(System.Logger.Level.INFO, "Pipeline {0}: table {1} is copied", spec.name(), r.table());
                    return;
                }
                key = chunk.lastKey();
                // At most two chunks beside the stream: this one on its way to the store, the next one read once the
                // one before this is stored. The stream's changes wait behind at most that much.
                long previous = emitted;
                if (!Boolean.TRUE.equals(await(() -> window.awaitStored(previous, stopping)))) {
                    return;
                }
                emitted = id;
            }
        }
    }

    /*
     * A copy from the start waits for the transactions writing the table when it begins to end: changes they made
     * before the table was added to the publication are not in the stream (pgoutput judges each change by the catalog
     * as it was then), so the copy's snapshots must see them. Only writers of that moment are waited for.
     */
    private boolean writersEnded(Connection c, Request r) throws SQLException {
        TableName table = r.table();
        Array writers;
        try (PreparedStatement ps = c.prepareStatement(objects.statement("cdc-copy-writers"))) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                writers = rs.getArray("writers");
            }
        }
        long told = System.nanoTime() + WRITERS_TOLD_NANOS;
        try (PreparedStatement ps = c.prepareStatement(objects.statement("cdc-copy-writers-left"))) {
            ps.setArray(1, writers);
            while (!stopping.getAsBoolean()) {
                long left;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    left = rs.getLong("left");
                }
                if (left == 0) {
                    return true;
                }
                if (told != 0 && System.nanoTime() > told) {
                    // Shown in the table's status while the copy waits (a long batch job writing the table, say).
                    store.copyError(r, "waiting for " + left + " transaction(s) that were writing the table when its copy began to end");
                    told = 0;
                }
                sleep(SETTLE_MILLIS * 10);
            }
        }
        return false;
    }

    private static CopyWindow.Task task(Request r, CopyPlan plan) {
        return new CopyWindow.Task(r.mappingId(), r.generation(), r.table(), plan.keyColumns(), plan);
    }

    /**
     * A chunk as read, with the table's plan then.
     *
     * @param plan  the plan, null when the table is gone
     * @param chunk the chunk, null when the table got another key than the copy's (nothing was read)
     */
    private record Read(CopyPlan plan, CopyWindow.Chunk chunk) {
    }

    /* A table without a key: the stream takes it whole at the low watermark (fullCopy), then the high one ends the window. */
    private void whole(Connection c, Request r) throws SQLException {
        long id = window.nextChunk();
        watermark(c, window.watermark(id, true));
        Boolean taken = await(() -> window.awaitFullCopy(id, stopping));
        if (window.fullCopyFailure() != null) {
            throw new SQLException(window.fullCopyFailure());
        }
        if (Boolean.TRUE.equals(taken)) {
            watermark(c, window.watermark(id, false));
            if (await(() -> window.await(id, stopping)) != null) {
                finished.add(Finished.of(r));
            }
        }
    }

    /*
     * One chunk, in its own short transaction: its snapshot first (waiting while a transaction it misses is still
     * settling), the table's lock and plan, then at most snapshot_chunk rows after the key, and fewer once they hold
     * the chunk's bytes.
     */
    private Read read(Connection c, TableName table, CopyPlan expected, List<String> after) throws SQLException {
        String lock = objects.build(c, "cdc-copy-lock-ddl", table.schema(), table.table());
        c.setAutoCommit(false);
        try {
            CopyWindow.Snapshot snapshot = begin(c, table, lock);
            if (snapshot == null) {
                return null;
            }
            CopyPlan plan = CopyPlan.of(objects, c, table, schemas).orElse(null);
            if (plan == null || !Objects.equals(plan.keyColumns(), expected.keyColumns())) {
                return new Read(plan, null);
            }
            List<CopyWindow.Row> rows = new ArrayList<>();
            List<String> last = after;
            long bytes = 0;
            boolean full = false;
            Instant taken = Instant.now();
            try (PreparedStatement ps = c.prepareStatement(after == null ? plan.firstQuery() : plan.nextQuery())) {
                int i = 1;
                if (after != null) {
                    for (String k : after) {
                        ps.setString(i++, k);
                    }
                }
                ps.setInt(i, spec.snapshotChunk());
                // Fetched a part at a time, so the chunk's byte bound holds whatever its rows weigh.
                ps.setFetchSize(Math.min(spec.snapshotChunk(), FETCH_ROWS));
                running = ps;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (stopping.getAsBoolean()) {
                            return null;
                        }
                        CopyWindow.Row row = plan.row(rs, taken);
                        rows.add(row);
                        last = plan.key(rs);
                        bytes += row.event().bytes();
                        if (bytes >= spec.batchBytes() * 2) {
                            full = true;
                            break;
                        }
                    }
                }
            } finally {
                running = null;
            }
            c.commit();
            return new Read(plan, new CopyWindow.Chunk(rows, snapshot, last, !full && rows.size() < spec.snapshotChunk()));
        } catch (SQLException e) {
            if (stopping.getAsBoolean()) {
                return null;
            }
            throw e;
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    /*
     * Begins a copy's transaction: the table's lock first (it takes no snapshot), then the snapshot. While a transaction
     * that wrote the table and that the snapshot misses has committed but is still leaving (waiting for a synchronous
     * standby, say), begins again a moment later, for a second at most: the window's own check (a transaction the
     * stream carried before the low watermark that the snapshot misses) reads the chunk again after that.
     */
    private CopyWindow.Snapshot begin(Connection c, TableName table, String lock) throws SQLException {
        long deadline = System.nanoTime() + SETTLE_MAX_NANOS;
        while (!stopping.getAsBoolean()) {
            ReplicationObjects.run(c, objects.statement("cdc-copy-transaction"));
            ReplicationObjects.run(c, lock);
            try (PreparedStatement ps = c.prepareStatement(objects.statement("cdc-copy-snapshot"))) {
                ps.setString(1, table.schema());
                ps.setString(2, table.table());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean("settling") || System.nanoTime() > deadline) {
                        List<Long> xip = new ArrayList<>();
                        for (String x : (String[]) rs.getArray("xip").getArray()) {
                            xip.add(Long.parseLong(x));
                        }
                        return CopyWindow.Snapshot.of(Long.parseLong(rs.getString("xmax")), xip);
                    }
                }
            }
            c.rollback();
            sleep(SETTLE_MILLIS);
        }
        return null;
    }

    /**
     * Takes a whole-table copy on the stream's thread, at its low watermark: the stream waits (telling the source
     * it is alive) while the table is read in one transaction whose snapshot misses nothing the stream carried
     * before. Its rows go into the batch, after a truncate of the table (a copy taken again replaces what came
     * before); then, until the high watermark, the window drops the table's changes this snapshot saw.
     *
     * @param batch  the stream's batch
     * @param writer stores full batches
     * @param stream the replication stream
     */
    void fullCopy(Batch batch, EventWriter writer, PGReplicationStream stream) throws SQLException {
        CopyWindow.Task task = window.fullCopyDue();
        long lsn = window.dueLsn();
        TableName t = task.table();
        Connection c = connection;
        writer.submit(batch.cut());
        CopyWindow.Snapshot taken = null;
        String lock = objects.build(c, "cdc-copy-lock-ddl", t.schema(), t.table());
        c.setAutoCommit(false);
        try {
            long keepalive = System.nanoTime();
            CopyWindow.Snapshot snapshot = null;
            while (snapshot == null && !stopping.getAsBoolean()) {
                snapshot = begin(c, t, lock);
                if (snapshot != null && window.missedBefore(snapshot)) {
                    c.rollback();
                    snapshot = null;
                    keepalive = keepalive(stream, keepalive);
                    sleep(SETTLE_MILLIS);
                }
            }
            if (snapshot == null) {
                return;
            }
            CopyPlan plan = CopyPlan.of(objects, c, t, schemas).orElse(task.plan());
            Instant at = Instant.now();
            batch.addCopied(List.of(new ChangeEvent(lsn, lsn, null, at, t.schema(), t.table(), "truncate", null, null, null)), null);
            long rows = 0;
            try (Statement st = c.createStatement()) {
                st.setFetchSize(FETCH_ROWS);
                running = st;
                try (ResultSet rs = st.executeQuery(plan.fullQuery())) {
                    while (rs.next()) {
                        if (stopping.getAsBoolean()) {
                            return;
                        }
                        ChangeEvent e = plan.row(rs, at).event();
                        batch.addCopied(List.of(new ChangeEvent(lsn, lsn, null, at, e.schema(), e.table(), e.op(), null, null, e.after(),
                                                                e.schemaVersion())), null);
                        rows++;
                        if (batch.full()) {
                            batch.addCopied(List.of(), new CopyProgress(task.mappingId(), task.generation(), null, null, rows, false, 0));
                            rows = 0;
                            writer.submit(batch.cut());
                        }
                        keepalive = keepalive(stream, keepalive);
                    }
                }
            } finally {
                running = null;
            }
            c.commit();
            batch.addCopied(List.of(), new CopyProgress(task.mappingId(), task.generation(), null, null, rows, true, 0));
            taken = snapshot;
        } catch (SQLException e) {
            // The stream goes on; the copier takes the copy again (from its truncate) after a pause, saying why meanwhile.
            if (!stopping.getAsBoolean()) {
                LOG.log(System.Logger.Level.WARNING, "Pipeline {0}: the copy of {1} in one transaction failed: {2}", spec.name(), t,
                        DatabaseErrors.message(e));
                window.fullCopyFailed(DatabaseErrors.message(e));
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        if (taken != null) {
            // Only now: the copier writes the high watermark on this connection.
            window.fullCopyTaken(taken);
        }
    }

    /* Tells the source the stream is alive while it waits for a copy, every few seconds. */
    private static long keepalive(PGReplicationStream stream, long last) throws SQLException {
        if (System.nanoTime() - last < KEEPALIVE_NANOS) {
            return last;
        }
        stream.forceUpdateStatus();
        return System.nanoTime();
    }

    private void watermark(Connection c, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(objects.statement("cdc-watermark"))) {
            ps.setString(1, text);
            ps.executeQuery().close();
        }
    }

    private Connection connect() throws SQLException {
        Connection c = connection;
        if (c == null || c.isClosed()) {
            c = connector.connect(spec.source(), address, timeout, false);
            objects.sameTextForms(c);
            connection = c;
        }
        return c;
    }

    private void disconnect() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    /* A failed copy is taken again after a pause; its table's status shows why meanwhile. */
    private void failed(Request r, Throwable e) {
        failures++;
        String cause = DatabaseErrors.message(e).replace('\n', ' ');
        LOG.log(System.Logger.Level.WARNING, "Pipeline {0}: the copy of {1} failed (attempt {2}), retrying: {3}", spec.name(),
                r == null ? "its tables" : r.table(), failures, cause);
        if (r != null) {
            try {
                store.copyError(r, cause);
            } catch (RuntimeException ignored) {
                // the metadata database is down too: the log says it
            }
        }
        disconnect();
        sleep(Pause.backoff(failures).toMillis());
    }

    private <T> T await(Waiting<T> wait) {
        try {
            return wait.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return null;
        }
    }

    private void sleep(long millis) {
        if (!Pause.sleep(millis, stopping) && Thread.currentThread().isInterrupted()) {
            closed = true;
        }
    }

    private interface Waiting<T> {
        T get() throws InterruptedException;
    }
}
