package io.philotes.db;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Knows whether the metadata database can be used: reachable, and migrated to this build's schema.
 * It checks on a fixed interval with a bounded ping, so readiness turns within seconds of an outage and
 * back without a restart, and it applies pending migrations whenever the database (re)appears.
 */
public final class DatabaseMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DatabaseMonitor.class.getName());

    private final Database database;
    private final Migrations migrations;
    private final Runnable setup;
    private final Duration interval;
    private final Duration pingTimeout;
    private final ExecutorService pings = Executors.newVirtualThreadPerTaskExecutor();
    private volatile State state = new State(false, false, false, "not checked yet", null, -1);
    private volatile Thread loop;
    private final List<Runnable> waiting = new ArrayList<>();
    private Future<?> outstandingPing;

    /**
     * Creates a monitor; call {@link #check()} once and then {@link #start()}.
     *
     * @param database    the database to watch
     * @param migrations  the migrations to keep applied
     * @param setup       what the database needs once migrated, before it is ready (idempotent: it runs again
     *                    whenever the database comes back)
     * @param interval    time between checks
     * @param pingTimeout longest a check may wait for an answer
     */
    public DatabaseMonitor(Database database, Migrations migrations, Runnable setup, Duration interval, Duration pingTimeout) {
        this.database = database;
        this.migrations = migrations;
        this.setup = setup;
        this.interval = interval;
        this.pingTimeout = pingTimeout;
    }

    /**
     * The last observed state.
     *
     * @return state, never null
     */
    public State state() {
        return state;
    }

    /**
     * Whether API calls can use the database now.
     *
     * @return reachable and migrated
     */
    public boolean ready() {
        return state.ready();
    }

    /**
     * Checks now: pings, and applies pending migrations if the database is reachable and not known to be
     * current. Never throws; a migration that cannot succeed is recorded as fatal and not retried.
     *
     * @return the new state
     */
    public synchronized State check() {
        State previous = state;
        long start = System.nanoTime();
        String failure = ping();
        long latency = (System.nanoTime() - start) / 1_000_000;
        State next;
        if (failure != null) {
            next = new State(false, previous.migrated(), previous.fatal(), failure, Instant.now(), latency);
        } else if (previous.fatal()) {
            next = new State(true, false, true, previous.problem(), Instant.now(), latency);
        } else if (previous.migrated() && previous.reachable()) {
            next = new State(true, true, false, null, Instant.now(), latency);
        } else {
            next = migrate(latency);
        }
        state = next;
        if (next.ready() && !waiting.isEmpty()) {
            waiting.forEach(action -> Thread.ofVirtual().name("philotes-when-ready").start(action));
            waiting.clear();
        }
        if (next.ready() != previous.ready() || next.reachable() != previous.reachable()) {
            if (next.ready()) {
                LOG.log(System.Logger.Level.INFO, "Metadata database ready ({0})", database.description());
            } else {
                LOG.log(System.Logger.Level.WARNING, "Metadata database not ready ({0}): {1}", database.description(), next.problem());
            }
        }
        return next;
    }

    /**
     * Runs an action once the metadata database is ready (migrated and reachable): at once when it is, else
     * after the check that first finds it so. It runs on a virtual thread of its own.
     *
     * @param action the action
     */
    public synchronized void whenReady(Runnable action) {
        if (state.ready()) {
            Thread.ofVirtual().name("philotes-when-ready").start(action);
        } else {
            waiting.add(action);
        }
    }

    /** Starts checking in the background. */
    public void start() {
        loop = Thread.ofVirtual().name("philotes-db-monitor").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
                check();
            }
        });
    }

    @Override
    public void close() {
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
        pings.shutdownNow();
    }

    private State migrate(long latency) {
        try {
            migrations.apply(database.dataSource());
            setup.run();
            return new State(true, true, false, null, Instant.now(), latency);
        } catch (Migrations.MigrationException e) {
            LOG.log(System.Logger.Level.ERROR, "Metadata database schema cannot be brought up to date: {0}", e.getMessage());
            return new State(true, false, true, e.getMessage(), Instant.now(), latency);
        } catch (Exception e) {
            return new State(false, false, false, "migrations or setup could not run: " + rootMessage(e), Instant.now(), latency);
        }
    }

    /* One ping at a time: a ping stuck on a black-holed connection must not pile up more of them. */
    private String ping() {
        if (outstandingPing != null && !outstandingPing.isDone()) {
            return "the database has not answered a ping for more than " + pingTimeout.toMillis() + " ms";
        }
        outstandingPing = pings.submit(() -> database.client().execute().namedGet("database-ping"));
        try {
            outstandingPing.get(pingTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException e) {
            return "no answer within " + pingTimeout.toMillis() + " ms";
        } catch (ExecutionException e) {
            return rootMessage(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /**
     * What the monitor last saw.
     *
     * @param reachable whether the last ping was answered
     * @param migrated  whether the schema is at this build's version
     * @param fatal     whether the schema cannot be migrated by this build
     * @param problem   why it is not ready, or null
     * @param checkedAt when it was checked, or null before the first check
     * @param latencyMs how long the last check's ping took
     */
    public record State(boolean reachable, boolean migrated, boolean fatal, String problem, Instant checkedAt, long latencyMs) {
        public boolean ready() {
            return reachable && migrated;
        }
    }
}
