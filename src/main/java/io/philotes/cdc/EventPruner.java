package io.philotes.cdc;

import java.time.Duration;

import io.helidon.dbclient.DbClient;
import io.philotes.db.DatabaseErrors;

/**
 * Deletes captured events older than the retention, in the background, a bounded number per statement so
 * that no delete holds locks or bloats one transaction for long.
 */
public final class EventPruner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventPruner.class.getName());
    private static final int PER_STATEMENT = 10_000;

    private final DbClient db;
    private final Duration retention;
    private final Duration interval;
    private volatile Thread loop;

    /**
     * Creates the pruner.
     *
     * @param db        the metadata database
     * @param retention how long events are kept
     * @param interval  how often older ones are deleted
     */
    public EventPruner(DbClient db, Duration retention, Duration interval) {
        this.db = db;
        this.retention = retention;
        this.interval = interval;
    }

    /** Starts pruning in the background. */
    public void start() {
        loop = Thread.ofVirtual().name("philotes-event-pruner").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    prune();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Pruning old events failed (retried in {0} s): {1}", interval.toSeconds(),
                            DatabaseErrors.message(e));
                }
            }
        });
    }

    /**
     * Deletes every event past the retention.
     *
     * @return how many were deleted
     */
    long prune() {
        long total = 0;
        long deleted;
        do {
            deleted = db.execute().createNamedDelete("events-prune").addParam("seconds", retention.toMillis() / 1000.0).execute();
            total += deleted;
        } while (deleted == PER_STATEMENT && !Thread.currentThread().isInterrupted());
        if (total > 0) {
            LOG.log(System.Logger.Level.INFO, "Deleted {0} events older than the retention of {1}", total, retention);
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
