package io.philotes.cdc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import io.philotes.db.DatabaseErrors;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells waiting readers (long polls, event streams) that a pipeline stored new events. Every batch's commit
 * sends a notification on the metadata database ({@code events-notify}) and each instance listens on one
 * connection, so a reader wakes whichever instance runs the pipeline. Readers never trust it alone: they read
 * the store, then wait for a sequence number past what they read, and read again. When the listening
 * connection is lost (notifications may have been missed), every reader is woken to read again.
 */
public final class NewEvents implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NewEvents.class.getName());
    /* A listening connection is given back to the pool this often, so that the pool can renew it. */
    private static final Duration RENEW = Duration.ofMinutes(10);
    private static final int POLL_MILLIS = 1000;
    /* How often the listening connection is asked whether it still works. */
    private static final Duration PROBE = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final String listen;
    private final String unlisten;
    private final String probeStatement;
    private final Map<UUID, Long> latest = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /* Grows whenever listening begins or ends: a reader whose mark is older may have missed a notification. */
    private volatile long generation;
    private volatile boolean listening;
    private volatile boolean closed;
    private volatile Thread loop;
    private final Semaphore waiting;
    private final int maxWaiting;
    private final int maxPerCaller;
    private final Map<String, Integer> callers = new ConcurrentHashMap<>();

    /**
     * Creates the listener; {@link #start()} connects it.
     *
     * @param dataSource   the metadata database
     * @param listen       the LISTEN statement
     * @param unlisten     its UNLISTEN
     * @param probe        a statement that asks the connection whether it still works
     * @param maxWaiting   readers that may wait at once on this instance (long polls and event streams)
     * @param maxPerCaller of those, readers of one caller (an API key, or a client address without one)
     */
    public NewEvents(DataSource dataSource, String listen, String unlisten, String probe, int maxWaiting, int maxPerCaller) {
        this.dataSource = dataSource;
        this.listen = listen;
        this.unlisten = unlisten;
        this.probeStatement = probe;
        this.maxWaiting = maxWaiting;
        this.maxPerCaller = maxPerCaller;
        this.waiting = new Semaphore(maxWaiting);
    }

    /** Listens in the background until closed, reconnecting after a failure. */
    public void start() {
        loop = Thread.ofVirtual().name("philotes-new-events").start(() -> {
            while (!closed) {
                try {
                    listen();
                } catch (SQLException | RuntimeException e) {
                    if (!closed) {
                        LOG.log(System.Logger.Level.WARNING, "Listening for new events failed (readers poll meanwhile): {0}",
                                DatabaseErrors.message(e));
                        sleep();
                    }
                } finally {
                    listening(false);
                }
            }
        });
    }

    /**
     * A place among the readers that wait: a long poll or an event stream holds one while it is open.
     *
     * @param caller who waits: an API key's id, or a client address
     * @return the place, to close when done
     * @throws Busy when the instance's readers, or this caller's, are at their limit
     */
    public Waiter waiter(String caller) {
        int[] mine = {0};
        callers.compute(caller, (k, n) -> {
            mine[0] = n == null ? 1 : n + 1;
            return mine[0];
        });
        if (mine[0] > maxPerCaller) {
            leave(caller);
            throw new Busy(maxPerCaller + " readers of this caller wait on this instance already (long polls and event streams);"
                    + " close one, or read without waiting");
        }
        if (!waiting.tryAcquire()) {
            leave(caller);
            throw new Busy(maxWaiting + " readers wait on this instance already (long polls and event streams): read again without"
                    + " waiting, or in a moment");
        }
        AtomicBoolean left = new AtomicBoolean();
        return () -> {
            if (left.compareAndSet(false, true)) {
                waiting.release();
                leave(caller);
            }
        };
    }

    private void leave(String caller) {
        callers.computeIfPresent(caller, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Too many readers wait: the request is answered 503 with what the limit is. */
    public static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Where waiting starts from: take it before reading the store, then give it to {@link #await}.
     *
     * @return a mark of what was heard so far
     */
    public long mark() {
        return generation;
    }

    /**
     * Waits until the pipeline stored an event after a sequence number, the time is up, notifications may have
     * been missed since the mark, or the listener closes; then the caller reads the store again.
     *
     * @param pipelineId the pipeline
     * @param after      the last seq the caller read
     * @param mark       {@link #mark()} taken before that read
     * @param until      when to give up
     * @throws InterruptedException when interrupted
     */
    public void await(UUID pipelineId, long after, long mark, Instant until) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && generation == mark && latest.getOrDefault(pipelineId, -1L) <= after) {
                long millis = Duration.between(Instant.now(), until).toMillis();
                if (millis <= 0) {
                    return;
                }
                if (!listening) {
                    // Nothing listens (yet, or the connection was lost): the reader looks at the store every second.
                    changed.await(Math.min(millis, POLL_MILLIS), TimeUnit.MILLISECONDS);
                    return;
                }
                changed.await(millis, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the listener is closing: waiting readers answer with what they have.
     *
     * @return true once closed
     */
    public boolean closed() {
        return closed;
    }

    /* One listening session. */
    private void listen() throws SQLException {
        Instant renew = Instant.now().plus(RENEW);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            // A connection that died without a word (a NAT's idle time-out) fails the probe below within this.
            c.setNetworkTimeout(Runnable::run, (int) PROBE.toMillis() * 2);
            st.execute(listen);
            PGConnection pg = c.unwrap(PGConnection.class);
            listening(true);
            Instant probe = Instant.now().plus(PROBE);
            while (!closed && Instant.now().isBefore(renew)) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications != null && notifications.length > 0) {
                    heard(notifications);
                }
                if (Instant.now().isAfter(probe)) {
                    st.execute(probeStatement);
                    probe = Instant.now().plus(PROBE);
                }
            }
            st.execute(unlisten);
        }
    }

    private void heard(PGNotification[] notifications) {
        for (PGNotification n : notifications) {
            String payload = n.getParameter();
            int space = payload.indexOf(' ');
            try {
                latest.merge(UUID.fromString(payload.substring(0, space)), Long.parseLong(payload.substring(space + 1)), Math::max);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                LOG.log(System.Logger.Level.DEBUG, "Ignored a notification that is not a pipeline's new events");
            }
        }
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /* Every change of listening wakes every reader to read the store again: notifications may have been missed. */
    private void listening(boolean now) {
        lock.lock();
        try {
            if (listening != now) {
                listening = now;
                generation++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** A reader's place among those that wait; closing it twice gives it back once. */
    public interface Waiter extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        // Not interrupted: that would close the pooled connection under the listener; it sees closed within a second.
        closed = true;
        listening(false);
    }
}
