package io.philotes.cdc;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.philotes.core.PipelineStatus;
import io.philotes.source.SourceConnector;

/**
 * Runs the pipelines of this instance, one virtual thread each, and reports their state in the metadata
 * database: {@code running} once streaming, {@code error} with the cause while a failure is retried,
 * {@code stopped} once a stop has stored and confirmed everything.
 */
public final class CdcEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CdcEngine.class.getName());
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final SourceConnector connector;
    private final EventStore store;
    private final Duration sourceTimeout;
    private final Duration dropTimeout;
    private final Leases leases;
    private final Map<UUID, Running> running = new ConcurrentHashMap<>();
    private final Map<UUID, AtomicLong> failures = new ConcurrentHashMap<>();

    /**
     * Creates the engine.
     *
     * @param connector     opens connections to sources under the host policy
     * @param store         the event store
     * @param pool          the metadata pool, for the connection that holds this instance's leases
     * @param sourceTimeout bound on connecting to a source and on each of its answers in a pipeline's sessions
     * @param dropTimeout   the same for dropping a pipeline's slot and publication, which a request waits for
     */
    public CdcEngine(SourceConnector connector, EventStore store, DataSource pool, Duration sourceTimeout, Duration dropTimeout) {
        this.connector = connector;
        this.store = store;
        this.leases = new Leases(pool);
        this.sourceTimeout = sourceTimeout;
        this.dropTimeout = dropTimeout;
    }

    /**
     * Takes a pipeline's lease, so that this instance may run it.
     *
     * @param id the pipeline
     * @return false when another instance runs it
     */
    public boolean lease(UUID id) {
        return leases.tryAcquire(id);
    }

    /**
     * Gives back a lease taken for a pipeline that will not run here after all.
     *
     * @param id the pipeline
     */
    public void release(UUID id) {
        if (!running.containsKey(id)) {
            leases.release(id);
        }
    }

    /**
     * Whether a pipeline runs on this instance.
     *
     * @param id the pipeline
     * @return true while its runner is alive here
     */
    public boolean runsHere(UUID id) {
        return running.containsKey(id);
    }

    /**
     * The pipelines running on this instance.
     *
     * @return their ids
     */
    public Set<UUID> runningHere() {
        return Set.copyOf(running.keySet());
    }

    /**
     * Starts running a pipeline whose lease this instance holds, unless it runs here already.
     *
     * @param spec the pipeline
     */
    public void start(PipelineSpec spec) {
        if (!leases.tryAcquire(spec.id())) {
            return;
        }
        UUID id = spec.id();
        PipelineRunner runner = new PipelineRunner(spec, connector, store, new Status(), sourceTimeout);
        Thread thread = Thread.ofVirtual().name("philotes-pipeline-" + spec.name()).unstarted(() -> {
            try {
                runner.run();
            } finally {
                running.remove(id);
                leases.release(id);
            }
        });
        Running created = new Running(runner, thread);
        if (running.putIfAbsent(id, created) == null) {
            thread.start();
        }
    }

    /**
     * Stops a pipeline that runs here: it stores what it read, confirms it and closes its stream. Waits up
     * to 5 s.
     *
     * @param id the pipeline
     * @return true when it no longer runs here
     */
    public boolean stop(UUID id) {
        Running r = running.get(id);
        if (r == null) {
            return true;
        }
        r.runner().stop(false);
        try {
            return r.thread().join(STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Checks that this instance still holds the leases of its running pipelines; when the connection that
     * held them was lost, another instance may take them, so they stop here (staying wanted running).
     */
    public void checkLeases() {
        if (!leases.intact()) {
            LOG.log(System.Logger.Level.WARNING, "The pipeline leases were lost with their connection; pausing {0} pipeline(s)",
                    running.size());
            detachAll();
        }
    }

    /**
     * The source's current WAL position as the running pipeline last saw it.
     *
     * @param id the pipeline
     * @return the LSN, if it runs here and has looked
     */
    public Optional<Long> sourceWalLsn(UUID id) {
        Running r = running.get(id);
        return r == null || r.runner().sourceWalLsn() == 0 ? Optional.empty() : Optional.of(r.runner().sourceWalLsn());
    }

    /**
     * Drops the slot and publication the engine created for a pipeline on its source (never ones the user
     * named), before the pipeline is deleted.
     *
     * @param spec the pipeline
     * @throws io.philotes.source.SourceFailure when the source cannot be reached
     */
    public void dropSourceObjects(PipelineSpec spec) {
        Optional<StreamState> state = store.stream(spec.id());
        if (state.isEmpty()) {
            return;
        }
        InetAddress address = connector.approve(spec.source());
        try (Connection c = connector.connect(spec.source(), address, dropTimeout, false)) {
            if (state.get().slotCreated()) {
                PipelineRunner.dropSlot(c, state.get().slotName());
            }
            if (state.get().publicationCreated()) {
                try (var st = c.createStatement()) {
                    st.execute("DROP PUBLICATION IF EXISTS " + state.get().publicationName());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("The slot or publication of pipeline " + spec.name() + " could not be dropped: "
                    + e.getMessage(), e);
        }
    }

    /**
     * How often a pipeline failed on this instance since it started.
     *
     * @param id the pipeline
     * @return the count
     */
    public long failures(UUID id) {
        AtomicLong count = failures.get(id);
        return count == null ? 0 : count.get();
    }

    /** Stops every pipeline of this instance, leaving their desired state as it is. */
    @Override
    public void close() {
        detachAll();
        leases.close();
    }

    /* Stops every runner here as for a shutdown: the pipelines stay wanted running, for whoever takes them. */
    private void detachAll() {
        running.values().forEach(r -> r.runner().stop(true));
        for (Running r : running.values()) {
            try {
                if (!r.thread().join(STOP_WAIT)) {
                    LOG.log(System.Logger.Level.WARNING, "A pipeline did not stop within {0} s", STOP_WAIT.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private record Running(PipelineRunner runner, Thread thread) {
    }

    /* The runners' reports, into the pipelines table. */
    private final class Status implements PipelineRunner.StatusSink {
        @Override
        public void running(UUID id) {
            store.status(id, PipelineStatus.RUNNING, null);
        }

        @Override
        public void error(UUID id, String message) {
            failures.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
            store.status(id, PipelineStatus.ERROR, message);
        }

        @Override
        public void stopped(UUID id) {
            store.status(id, PipelineStatus.STOPPED, null);
        }
    }
}
