package io.philotes.cdc;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;

/**
 * Where a table's incremental copy (read by {@link TableCopier}) meets the replication stream (read by the
 * runner into a {@link Batch}): the DBLog watermark algorithm. A chunk of the table is read in its own short
 * transaction between a low and a high watermark, logical decoding messages that reach the stream at their place
 * in the WAL. While the window between them is open, the stream's changes of the table mark their keys; at the high
 * watermark the chunk's rows are emitted, except those whose key a change in the window touched: that change,
 * emitted from the stream, is newer than the row. So replaying the events in order always gives the source's rows.
 *
 * <p>One gap is left by the algorithm as published: a transaction whose commit is in the WAL before the low watermark
 * but that the chunk's snapshot does not see yet (committed, not yet visible: it waits for a synchronous standby,
 * say). Its change is emitted before the window, and the chunk's older row would come after it. The copier waits for
 * such transactions before it reads (its snapshot names them: {@code settling}), and here every transaction of the
 * table the stream carried before the window is checked against the chunk's snapshot: one that the snapshot does not
 * see makes the chunk be read again.
 *
 * <p>A table that has no key to chunk by (copied whole, when its mapping allows it) is copied on the stream's own
 * thread at the low watermark, the stream waiting meanwhile; its rows are then the table as of that point, and the
 * window's changes of the table that the copy's snapshot saw are dropped until the high watermark.
 */
final class CopyWindow {
    /* The prefix of every watermark message (other pipelines on the source see them too, and skip them). */
    static final String PREFIX = "philotes";
    private static final long WAIT_STEP_MILLIS = 50;
    private static final int MAX_REMEMBERED = 100_000;
    /* One factory: Json.createReader looks its provider up again at every call. */
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());

    private final UUID pipelineId;
    private final long epoch;
    private static final SecureRandom RANDOM = new SecureRandom();
    /* Unguessable: a watermark another user of the source writes cannot pass for this runner's. */
    private final String session = Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong());
    private final Object lock = new Object();
    private Task task;
    private long chunkSeq;
    private long expected = -1;
    private boolean open;
    private Set<String> touched = new HashSet<>();
    private Set<Integer> before = new LinkedHashSet<>();
    private Set<Integer> during = new HashSet<>();
    private Chunk handed;
    private Outcome outcome;
    private boolean truncated;
    private boolean fullCopyDue;
    private boolean fullCopyTaken;
    private String fullCopyFailure;
    private boolean truncateFirst;
    private long dueLsn;
    private Snapshot skipSeen;
    private long storedChunk;

    /** What a chunk came to at its high watermark. */
    enum Outcome {
        /** its rows are in the stream's batch, with the copy's progress. */
        EMITTED,
        /** the snapshot missed a transaction the stream carried before the window: read it again. */
        RETRY
    }

    CopyWindow(UUID pipelineId, long epoch) {
        this.pipelineId = pipelineId;
        this.epoch = epoch;
    }

    /**
     * The copy of one table begins: from now on the stream's transactions of the table are remembered.
     *
     * @param t the copy
     */
    void begin(Task t, boolean truncate) {
        synchronized (lock) {
            task = t;
            truncateFirst = truncate;
            before = new LinkedHashSet<>();
            open = false;
            expected = -1;
        }
    }

    /**
     * The table's key changed during its copy, which starts over by the new one.
     *
     * @param t the copy, by the new key
     */
    void replan(Task t) {
        synchronized (lock) {
            task = t;
        }
    }

    /** The copy ended (done, failed or stopped). */
    void end() {
        synchronized (lock) {
            task = null;
            open = false;
            expected = -1;
            handed = null;
            skipSeen = null;
            lock.notifyAll();
        }
    }

    /**
     * The text of the next chunk's watermarks; the chunk is the one now expected.
     *
     * @return the chunk's id
     */
    long nextChunk() {
        synchronized (lock) {
            expected = ++chunkSeq;
            open = false;
            handed = null;
            outcome = null;
            fullCopyTaken = false;
            fullCopyFailure = null;
            return expected;
        }
    }

    String watermark(long chunk, boolean low) {
        return pipelineId + "/" + epoch + "/" + session + "/" + chunk + "/" + (low ? "low" : "high");
    }

    /**
     * The copier hands over a chunk it read, before it writes the high watermark.
     *
     * @param chunk the chunk
     */
    void hand(Chunk chunk) {
        synchronized (lock) {
            handed = chunk;
        }
    }

    /**
     * Waits until the stream reached the chunk's high watermark.
     *
     * @param chunk    the chunk's id
     * @param stopping whether the copier should give up
     * @return the outcome, or null when stopped first
     */
    Outcome await(long chunk, BooleanSupplier stopping) throws InterruptedException {
        synchronized (lock) {
            return until(() -> outcome != null && expected == chunk, stopping) ? outcome : null;
        }
    }

    /* Waits, holding the lock, until the condition holds (true) or the caller stops (false). */
    private boolean until(BooleanSupplier condition, BooleanSupplier stopping) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (stopping.getAsBoolean()) {
                return false;
            }
            lock.wait(WAIT_STEP_MILLIS);
        }
        return true;
    }

    /**
     * Waits until the stream took the whole-table copy at the chunk's low watermark.
     *
     * @param chunk    the chunk's id
     * @param stopping whether the copier should give up
     * @return whether it did (false when stopped first)
     */
    boolean awaitFullCopy(long chunk, BooleanSupplier stopping) throws InterruptedException {
        synchronized (lock) {
            return until(() -> (fullCopyTaken || fullCopyFailure != null) && expected == chunk, stopping);
        }
    }

    /**
     * Whether the stream stands at the low watermark of a copy of a whole table, which it must take now.
     *
     * @return the copy's task, or null
     */
    Task fullCopyDue() {
        synchronized (lock) {
            return fullCopyDue ? task : null;
        }
    }

    /**
     * The event store committed these copies' progress (and their rows).
     *
     * @param progress the progress
     */
    void stored(List<CopyProgress> progress) {
        synchronized (lock) {
            progress.forEach(p -> storedChunk = Math.max(storedChunk, p.chunk()));
            lock.notifyAll();
        }
    }

    /**
     * Waits until a chunk's rows are stored: the next chunk is read only then, so the copy holds at most one chunk
     * beside the stream's own batches, and the stream's changes wait behind one chunk's store at most.
     *
     * @param chunk    the chunk's id
     * @param stopping whether the copier should give up
     * @return whether it is stored (false when stopped first)
     */
    boolean awaitStored(long chunk, BooleanSupplier stopping) throws InterruptedException {
        synchronized (lock) {
            return until(() -> storedChunk >= chunk, stopping);
        }
    }

    /**
     * Where the stream stands when a whole-table copy is due: its low watermark, which the copy's events carry.
     *
     * @return the LSN
     */
    long dueLsn() {
        synchronized (lock) {
            return dueLsn;
        }
    }

    /**
     * The whole-table copy failed: the copier takes it again (beginning with its truncate) after a pause.
     *
     * @param why the cause
     */
    void fullCopyFailed(String why) {
        synchronized (lock) {
            fullCopyDue = false;
            fullCopyFailure = why;
            open = false;
            lock.notifyAll();
        }
    }

    /**
     * Why the whole-table copy the stream took last failed.
     *
     * @return the reason, or null
     */
    String fullCopyFailure() {
        synchronized (lock) {
            return fullCopyFailure;
        }
    }

    /**
     * The whole table was copied at the low watermark with this snapshot: until the high watermark, the changes of the
     * table that it saw are dropped.
     *
     * @param seen the copy's snapshot
     */
    void fullCopyTaken(Snapshot seen) {
        synchronized (lock) {
            fullCopyDue = false;
            fullCopyTaken = true;
            skipSeen = seen;
            lock.notifyAll();
        }
    }

    /**
     * Transactions of the table the stream carried before the low watermark that a snapshot does not see.
     *
     * @param s the snapshot
     * @return whether there is one
     */
    boolean missedBefore(Snapshot s) {
        synchronized (lock) {
            return before.stream().anyMatch(x -> !s.sees(x));
        }
    }

    /**
     * Looks at the events the stream just added (from index {@code from}): remembers the transactions and keys of the
     * table being copied, and drops those a whole-table copy already holds.
     *
     * @param events the batch's events
     * @param from   the first new one
     */
    void observe(List<ChangeEvent> events, int from) {
        synchronized (lock) {
            if (task == null) {
                return;
            }
            for (int i = events.size() - 1; i >= from; i--) {
                ChangeEvent e = events.get(i);
                if (e.xid() == null || !task.table().schema().equals(e.schema()) || !task.table().table().equals(e.table())) {
                    continue;
                }
                int xid = e.xid().intValue();
                if (skipSeen != null && skipSeen.sees(xid)) {
                    events.remove(i);
                    continue;
                }
                if (!open) {
                    remember(xid);
                } else if (task.keyColumns() != null) {
                    // (A whole-table copy's window needs nothing more: its snapshot decides, above.)
                    during.add(xid);
                    touch(e);
                }
            }
        }
    }

    /*
     * A transaction of the table before the window, which the chunk's snapshot might not see yet. Only the latest are
     * kept (a stream far behind its source would otherwise gather every one it reads before the window): one that
     * committed this many transactions of the table before the low watermark and is still not visible when the copier
     * takes its snapshot would have to be waiting on a synchronous standby, which the copier waits for (settling).
     */
    private void remember(int xid) {
        before.add(xid);
        if (before.size() > MAX_REMEMBERED) {
            Iterator<Integer> oldest = before.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /**
     * A logical message of the stream: a watermark of this pipeline's current chunk opens or closes its window; at the
     * high one the chunk's rows go into the batch, with the copy's progress. Anything else is skipped.
     *
     * @param m        the message
     * @param lsn      where the stream stands
     * @param out      the batch's events
     * @param progress the batch's copy progress
     */
    void watermark(PgOutput.LogicalMessage m, long lsn, List<ChangeEvent> out, List<CopyProgress> progress) {
        if (m.transactional() || !PREFIX.equals(m.prefix())) {
            return;
        }
        String text = new String(m.content(), StandardCharsets.UTF_8);
        synchronized (lock) {
            if (task == null || expected < 0 || !text.startsWith(watermark(expected, true).replace("/low", "/"))) {
                return;
            }
            // The first low watermark opens the window (another, forged or not, changes nothing); a high one closes it only
            // once the chunk is read. So a watermark someone else wrote can make a chunk be emitted early, which the stream's
            // later changes still override, but never hide a change of the window.
            if (text.endsWith("/low") && !open) {
                open = true;
                touched = new HashSet<>();
                during = new HashSet<>();
                truncated = false;
                fullCopyDue = task.keyColumns() == null;
                dueLsn = lsn;
                if (truncateFirst && task.keyColumns() != null) {
                    // The events hold the table from before a gap in its capture: replaying them must not keep rows deleted meanwhile.
                    truncateFirst = false;
                    TableName t = task.table();
                    out.add(new ChangeEvent(lsn, lsn, null, Instant.now(), t.schema(), t.table(), "truncate", null, null, null));
                }
            } else if (text.endsWith("/high") && open && (handed != null || skipSeen != null)) {
                close(lsn, out, progress);
            }
        }
    }

    private void close(long lsn, List<ChangeEvent> out, List<CopyProgress> progress) {
        open = false;
        if (skipSeen != null) {
            skipSeen = null;
            during.forEach(this::remember);
            outcome = Outcome.EMITTED;
            lock.notifyAll();
            return;
        }
        Chunk c = handed;
        handed = null;
        if (missedBefore(c.snapshot())) {
            outcome = Outcome.RETRY;
        } else {
            for (Row r : c.rows()) {
                // A truncate in the window empties the table after the rows were read: none of them is emitted.
                if (!truncated && !touched.contains(r.key())) {
                    ChangeEvent e = r.event();
                    out.add(new ChangeEvent(lsn, lsn, null, e.commitTime(), e.schema(), e.table(), e.op(), e.key(), null, e.after(),
                                            e.schemaVersion()));
                }
            }
            progress.add(new CopyProgress(task.mappingId(), task.generation(), c.lastKey(), task.keyColumns(), c.rows().size(), c.done(),
                                          expected));
            outcome = Outcome.EMITTED;
        }
        during.forEach(this::remember);
        before.removeIf(c.snapshot()::sees);
        lock.notifyAll();
    }

    /* Marks the keys a change touches: its row's, and the old one's when the key changed. */
    private void touch(ChangeEvent e) {
        if ("truncate".equals(e.op())) {
            truncated = true;
            return;
        }
        String key = key(e.key(), task.keyColumns());
        if (key == null) {
            key = key(e.after() != null ? e.after() : e.before(), task.keyColumns());
        }
        if (key != null) {
            touched.add(key);
        }
        if (e.before() != null) {
            String old = key(e.before(), task.keyColumns());
            if (old != null) {
                touched.add(old);
            }
        }
    }

    /**
     * A row's copy key in one form, whatever the JSON it came in held beside it: the values of the key's columns as
     * JSON reads them, so a change's key (its replica identity, or with REPLICA IDENTITY FULL its whole old row) and a
     * copied row's key compare equal when they name one row.
     *
     * @param json    a row's JSON, or of some of its columns
     * @param columns the key's columns
     * @return the key, or null when the JSON lacks one of its columns
     */
    static String key(RowJson json, List<String> columns) {
        if (json == null) {
            return null;
        }
        JsonObject o;
        try (JsonReader r = JSON.createReader(new StringReader(json.toString()))) {
            o = r.readObject();
        }
        StringBuilder b = new StringBuilder();
        for (String c : columns) {
            JsonValue v = o.get(c);
            if (v == null) {
                return null;
            }
            b.append(v).append('\u0000');
        }
        return b.toString();
    }

    /**
     * A table's copy as the window needs it.
     *
     * @param mappingId  its mapping
     * @param generation the copy's generation
     * @param table      the table
     * @param keyColumns the key it is chunked by, null when copied whole
     * @param plan       how it is read
     */
    record Task(UUID mappingId, long generation, TableName table, List<String> keyColumns, CopyPlan plan) {
    }

    /**
     * A chunk as read.
     *
     * @param rows     its rows in key order
     * @param snapshot the snapshot it was read in
     * @param lastKey  the key of its last row, as text
     * @param done     whether it ends the table
     */
    record Chunk(List<Row> rows, Snapshot snapshot, List<String> lastKey, boolean done) {
    }

    /**
     * A copied row.
     *
     * @param key   its key ({@link #key})
     * @param event its event
     */
    record Row(String key, ChangeEvent event) {
    }

    /**
     * Which transactions a copy's snapshot sees: those before {@code xmin}, and those before {@code xmax} but for the
     * ones in progress. Transaction ids are compared as the stream carries them, in 32 bits, modulo 2^32.
     *
     * @param xmax       the first id not yet assigned when it was taken (low 32 bits)
     * @param inProgress the ids then in progress (low 32 bits)
     */
    record Snapshot(int xmax, Set<Integer> inProgress) {
        static Snapshot of(long xmax, List<Long> xip) {
            Set<Integer> set = new HashSet<>();
            xip.forEach(x -> set.add((int) x.longValue()));
            return new Snapshot((int) xmax, set);
        }

        boolean sees(int xid) {
            return xid - xmax < 0 && !inProgress.contains(xid);
        }
    }
}
