package io.philotes.cdc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
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
    /** Readers that may wait at once on one instance (long polls and event streams); more are turned away with 503. */
    public static final int MAX_WAITING = 512;

    private final DataSource dataSource;
    private final String listen;
    private final Map<UUID, Long> latest = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /* Grows whenever listening begins or ends: a reader whose mark is older may have missed a notification. */
    private volatile long generation;
    private volatile boolean listening;
    private volatile boolean closed;
    private volatile Thread loop;
    private final Semaphore waiting = new Semaphore(MAX_WAITING);

    /**
     * Creates the listener; {@link #start()} connects it.
     *
     * @param dataSource the metadata database
     * @param listen     the LISTEN statement
     */
    public NewEvents(DataSource dataSource, String listen) {
        this.dataSource = dataSource;
        this.listen = listen;
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
     * @return the place, to close when done, or empty when {@link #MAX_WAITING} readers wait already
     */
    public Optional<Waiter> waiter() {
        if (!waiting.tryAcquire()) {
            return Optional.empty();
        }
        AtomicBoolean left = new AtomicBoolean();
        return Optional.of(() -> {
            if (left.compareAndSet(false, true)) {
                waiting.release();
            }
        });
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
            st.execute(listen);
            PGConnection pg = c.unwrap(PGConnection.class);
            listening(true);
            while (!closed && Instant.now().isBefore(renew)) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications != null && notifications.length > 0) {
                    heard(notifications);
                }
            }
            st.execute("UNLISTEN *");
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
