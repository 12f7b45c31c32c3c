package io.philotes.db;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.helidon.dbclient.DbClient;

/**
 * Deletes old rows in the background (audit entries, captured events), every interval, each delete taking a bounded
 * number of rows so that none holds locks or bloats one transaction for long. A failed run is logged and tried again
 * at the next interval.
 */
public final class Pruner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Pruner.class.getName());
    private static final int PER_STATEMENT = 10_000;

    private final String what;
    private final Duration interval;
    private final LongSupplier prune;
    private volatile Thread loop;

    /**
     * A pruner that runs a pruning.
     *
     * @param what     what it deletes, for the log ("events")
     * @param interval how often it runs
     * @param prune    deletes what is due, returning how many rows it deleted
     */
    public Pruner(String what, Duration interval, LongSupplier prune) {
        this.what = what;
        this.interval = interval;
        this.prune = prune;
    }

    /**
     * A pruner of one statement: at most 10,000 rows older than {@code :seconds} per call, called until fewer go.
     *
     * @param db        the metadata database
     * @param statement the delete
     * @param what      what it deletes, for the log ("audit entries")
     * @param retention how long rows are kept
     * @param interval  how often older ones are deleted
     * @return the pruner
     */
    public static Pruner statement(DbClient db, String statement, String what, Duration retention, Duration interval) {
        return new Pruner(what, interval, () -> {
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
        });
    }

    /** Starts pruning in the background. */
    public void start() {
        loop = Thread.ofVirtual().name("philotes-pruner-" + what.replace(' ', '-')).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    prune.getAsLong();
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
     * Deletes what is due now.
     *
     * @return how many rows were deleted
     */
    public long prune() {
        return prune.getAsLong();
    }

    @Override
    public void close() {
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }
}
