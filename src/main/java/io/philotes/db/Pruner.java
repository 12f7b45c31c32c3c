package io.philotes.db;

import java.time.Duration;

import io.helidon.dbclient.DbClient;

/**
 * Deletes rows older than a retention in the background (audit entries), a bounded number
 * per statement so that no delete holds locks or bloats one transaction for long.
 */
public final class Pruner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Pruner.class.getName());
    private static final int PER_STATEMENT = 10_000;

    private final DbClient db;
    private final String statement;
    private final String what;
    private final Duration retention;
    private final Duration interval;
    private volatile Thread loop;

    /**
     * Creates a pruner.
     *
     * @param db        the metadata database
     * @param statement the delete: at most 10,000 rows older than {@code :seconds} per call
     * @param what      what it deletes, for the log ("events")
     * @param retention how long rows are kept
     * @param interval  how often older ones are deleted
     */
    public Pruner(DbClient db, String statement, String what, Duration retention, Duration interval) {
        this.db = db;
        this.statement = statement;
        this.what = what;
        this.retention = retention;
        this.interval = interval;
    }

    /** Starts pruning in the background. */
    public void start() {
        loop = Thread.ofVirtual().name("philotes-pruner-" + statement).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    prune();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Pruning old {0} failed (retried in {1} s): {2}", what, interval.toSeconds(),
                            DatabaseErrors.message(e));
                }
            }
        });
    }

    /**
     * Deletes every row past the retention.
     *
     * @return how many were deleted
     */
    public long prune() {
        long total = 0;
        long deleted;
        do {
            deleted = db.execute().createNamedDelete(statement).addParam("seconds", retention.toMillis() / 1000.0).execute();
            total += deleted;
        } while (deleted == PER_STATEMENT && !Thread.currentThread().isInterrupted());
        if (total > 0) {
            LOG.log(System.Logger.Level.INFO, "Deleted {0} {1} older than the retention of {2}", total, what, retention);
        }
        return total;
    }

    @Override
    public void close() {
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }
}
