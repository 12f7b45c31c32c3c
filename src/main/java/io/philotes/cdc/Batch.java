package io.philotes.cdc;

import java.util.ArrayList;
import java.util.List;

/**
 * The events of the transactions read since the last cut, and where the stream will stand once they are
 * stored. Transactions the store already has (the source sends them again after a restart from an older
 * position) are skipped whole; of one stored in part, the stored events. A batch is full at a number of
 * events or at a number of bytes, whichever comes first.
 */
final class Batch {
    private final StreamState stored;
    private final int maxEvents;
    private final long maxBytes;
    private final CopyWindow window;
    private List<ChangeEvent> events = new ArrayList<>();
    private List<CopyProgress> progress = new ArrayList<>();
    private long bytes;
    private long lastCommitLsn;
    private long confirmedLsn;
    private boolean open;
    private long inTransaction;
    private long transactionLsn;
    private boolean skipping;
    private long toSkip;
    private boolean moved;
    private long firstTakenAt;

    /**
     * Starts after what is stored.
     *
     * @param stored    the stream as stored
     * @param maxEvents events per batch at most
     * @param maxBytes  bytes per batch at most (about: {@link ChangeEvent#bytes()})
     * @param window    where copies of tables meet the stream, or null when none are taken
     */
    Batch(StreamState stored, int maxEvents, long maxBytes, CopyWindow window) {
        this.stored = stored;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
        this.window = window;
        this.lastCommitLsn = stored.lastCommitLsn();
        this.confirmedLsn = Math.max(stored.confirmedLsn(), stored.startLsn());
    }

    /**
     * Takes one message of the stream.
     *
     * @param message the message
     * @param lsn     the LSN the server sent it at
     * @param changes turns it into events
     */
    void take(PgOutput.Message message, long lsn, Changes changes) {
        switch (message) {
            case PgOutput.Begin b -> {
                open = true;
                transactionLsn = b.finalLsn();
                skipping = b.finalLsn() <= lastCommitLsn;
                toSkip = b.finalLsn() == stored.partialCommitLsn() ? stored.partialEvents() : 0;
                inTransaction = 0;
            }
            case PgOutput.Commit c -> {
                if (!skipping) {
                    lastCommitLsn = c.commitLsn();
                    confirmedLsn = Math.max(confirmedLsn, c.endLsn());
                    moved = true;
                }
                open = false;
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
        // Counted as the source sent them: after a restart it sends them again, without the filter below.
        inTransaction += added;
        if (window != null) {
            // Events a copy of the whole table already holds are dropped.
            int size = events.size();
            window.observe(events, size - added);
            added -= size - events.size();
        }
        for (int i = events.size() - added; i < events.size(); i++) {
            bytes += events.get(i).bytes();
        }
        if (window != null && message instanceof PgOutput.LogicalMessage m) {
            int size = events.size();
            window.watermark(m, lsn, events, progress);
            for (int i = size; i < events.size(); i++) {
                bytes += events.get(i).bytes();
            }
        }
    }

    /**
     * Adds rows of a table copied at the current position (between transactions).
     *
     * @param copied   the rows' events
     * @param progress how far the copy is once they are stored, or null
     */
    void addCopied(List<ChangeEvent> copied, CopyProgress progress) {
        if (!hasWork()) {
            firstTakenAt = System.nanoTime();
        }
        for (ChangeEvent e : copied) {
            events.add(e);
            bytes += e.bytes();
        }
        if (progress != null) {
            this.progress.add(progress);
        }
    }

    /**
     * The server says it has sent everything up to a position (a keepalive). Between transactions, with
     * nothing of them waiting, the stream may confirm it: the WAL before it holds nothing for this pipeline.
     *
     * @param serverLsn the position the server reported
     * @return true when the batch moved to it (and should be stored)
     */
    boolean idleAt(long serverLsn) {
        if (open || !events.isEmpty() || serverLsn <= confirmedLsn) {
            return false;
        }
        confirmedLsn = serverLsn;
        moved = true;
        firstTakenAt = System.nanoTime();
        return true;
    }

    boolean full() {
        return events.size() >= maxEvents || bytes >= maxBytes;
    }

    boolean hasWork() {
        return !events.isEmpty() || !progress.isEmpty() || moved;
    }

    long firstTakenAt() {
        return firstTakenAt;
    }

    /**
     * Hands the events over with the position after them.
     *
     * @return the chunk, or null when there is nothing to store
     */
    Chunk cut() {
        if (!hasWork()) {
            return null;
        }
        boolean partial = inTransaction > 0 && !skipping;
        Chunk chunk = new Chunk(events, progress, new EventStore.Position(lastCommitLsn, confirmedLsn, partial ? transactionLsn : 0,
                                                                          partial ? inTransaction : 0));
        events = new ArrayList<>(Math.min(maxEvents, Math.max(16, events.size())));
        progress = new ArrayList<>();
        bytes = 0;
        moved = false;
        return chunk;
    }
}
