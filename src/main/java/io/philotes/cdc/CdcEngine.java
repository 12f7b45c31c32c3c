package io.philotes.cdc;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import javax.sql.DataSource;

import io.philotes.core.PipelineStatus;
import io.philotes.db.DatabaseErrors;
import io.philotes.db.SqlStatements;
import io.philotes.source.SourceConnector;
import io.philotes.source.SourceFailure;
import io.philotes.source.SourceSpec;

/**
 * Runs the pipelines of this instance, one virtual thread each, and reports their state in the metadata
 * database: {@code running} once streaming, {@code error} with the cause while a failure is retried,
 * {@code stopped} once a stop has stored and confirmed everything. A pipeline runs only where its lease is
 * held, and each start of a runner is a new ownership (an epoch) that fences off any earlier one.
 */
public final class CdcEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CdcEngine.class.getName());
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final SourceConnector connector;
    private final EventStore store;
    private final ReplicationObjects objects;
    private final Duration sourceTimeout;
    private final Duration dropTimeout;
    private final Leases leases;
    private final Map<UUID, Running> running = new ConcurrentHashMap<>();
    private final Map<UUID, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Set<Object> chores = ConcurrentHashMap.newKeySet();
    private volatile List<Orphan> orphans = List.of();

    /**
     * Creates the engine.
     *
     * @param connector     opens connections to sources under the host policy
     * @param store         the event store
     * @param statements    the named statements, among them those run on sources
     * @param pool          the metadata pool, for the connection that holds this instance's leases
     * @param sourceTimeout bound on connecting to a source and on each of its answers in a pipeline's sessions
     * @param dropTimeout   the same for looking at and dropping slots, which a request or the supervisor waits for
     */
    public CdcEngine(SourceConnector connector, EventStore store, SqlStatements statements, DataSource pool, Duration sourceTimeout,
                     Duration dropTimeout) {
        this.connector = connector;
        this.store = store;
        this.objects = new ReplicationObjects(statements);
        this.leases = new Leases(pool, statements);
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
        boolean leased = leases.tryAcquire(id);
        detachUnleased();
        return leased;
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
     * Starts running a pipeline whose lease this instance holds, unless it runs here already: this instance
     * becomes its owner, with a new epoch.
     *
     * @param spec the pipeline
     */
    public void start(PipelineSpec spec) {
        UUID id = spec.id();
        if (!lease(id) || running.containsKey(id)) {
            return;
        }
        long epoch;
        try {
            epoch = store.takeOwnership(id);
        } catch (RuntimeException e) {
            leases.release(id);
            throw e;
        }
        PipelineRunner runner = new PipelineRunner(spec, connector, store, objects, new Status(), sourceTimeout, epoch);
        Thread thread = Thread.ofVirtual().name("philotes-pipeline-" + spec.name()).unstarted(() -> {
            try {
                runner.run();
            } finally {
                running.remove(id);
                leases.release(id);
            }
        });
        if (running.putIfAbsent(id, new Running(runner, thread)) == null) {
            thread.start();
        }
    }

    /**
     * Stops a pipeline that runs here, as its user asked: it stores what it read, confirms it, closes its
     * stream (a copy ends at once) and records the pipeline stopped. Waits up to 5 s.
     *
     * @param id the pipeline
     * @return true when it no longer runs here
     */
    public boolean stop(UUID id) {
        Running r = running.get(id);
        if (r == null) {
            return true;
        }
        r.runner().stop(PipelineRunner.Stop.USER);
        return join(r, STOP_WAIT);
    }

    /**
     * Checks that this instance still holds the leases of its running pipelines; when the connection that
     * held them was lost (or failed while taking another), another instance may take them, so they stop here
     * at once, staying wanted running.
     */
    public void checkLeases() {
        leases.verify();
        detachUnleased();
    }

    /*
     * Records the stops no runner is left to record: pipelines stopping that run nowhere (an instance died or was
     * shut down while stopping them). Runs on the supervisor's looks, so none stays stopping longer than one.
     *
     * @return the pipelines found so
     */
    public List<UUID> finishStops() {
        return store.stopping().stream().filter(id -> !running.containsKey(id) && finishStop(id)).toList();
    }

    /**
     * Records a pipeline stopped when no instance runs it (this one can take its lease).
     *
     * @param id the pipeline
     * @return true when it was stopping and is stopped now
     */
    public boolean finishStop(UUID id) {
        if (running.containsKey(id) || !lease(id)) {
            return false;
        }
        try {
            return store.stopDone(id, null);
        } finally {
            release(id);
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
     * How far a pipeline's stored position is behind its source's WAL: as the runner here saw the source last, or
     * else as the stored observation says.
     *
     * @param id       the pipeline
     * @param position its stored position (confirmed, or the slot's start)
     * @param seenWal  the source's WAL position as last stored, or 0
     * @return bytes, or null when nobody has looked yet
     */
    public Long lagBytes(UUID id, long position, long seenWal) {
        long wal = sourceWalLsn(id).orElse(seenWal);
        return wal > 0 && position > 0 ? Math.max(0, wal - position) : null;
    }

    /**
     * What deleting a pipeline leaves on its source to drop: the slot and publication the engine made for it
     * (never ones the user named). The delete records it in its own transaction, and drops it once committed
     * ({@link #dropNow}); a drop that fails is retried by {@link #dropOrphans} until it succeeds.
     *
     * @param spec the pipeline
     * @return the orphan to be, or empty when it made nothing there
     */
    public Optional<Orphan> leftOnSource(PipelineSpec spec) {
        return store.stream(spec.id()).filter(s -> s.slotCreated() || s.publicationCreated())
                .map(s -> new Orphan(s.slotName(), spec.sourceId(), spec.name(), s.slotCreated(),
                                     s.publicationCreated() ? s.publicationName() : null, 0, null));
    }

    /**
     * Drops an orphan's slot and publication now, and records the outcome: gone, or failed (retried later).
     *
     * @param o      the orphan
     * @param source its source
     * @return null when dropped, else why not
     */
    public String dropNow(Orphan o, SourceSpec source) {
        String failure = drop(o, source);
        try {
            if (failure == null) {
                store.orphanDropped(o.slotName());
                LOG.log(System.Logger.Level.INFO, "Dropped slot {0} of deleted pipeline {1}", o.slotName(), o.pipelineName());
            } else {
                store.orphanFailed(o.slotName(), failure);
                LOG.log(System.Logger.Level.WARNING, "Slot {0} of deleted pipeline {1} could not be dropped (attempt {2}; retried): {3}",
                        o.slotName(), o.pipelineName(), o.attempts() + 1, failure);
            }
        } catch (RuntimeException e) {
            // The orphan stays recorded as it was: the next round drops it again (dropping what is gone is a no-op).
            LOG.log(System.Logger.Level.WARNING, "The drop of slot {0} could not be recorded: {1}", o.slotName(), DatabaseErrors.message(e));
        }
        return failure;
    }

    /**
     * Drops a stopped pipeline's slot (for a resnapshot).
     *
     * @param spec the pipeline
     * @param slot its slot
     * @return null when dropped (or already gone), else why not
     */
    public String dropSlot(PipelineSpec spec, String slot) {
        return drop(new Orphan(slot, spec.sourceId(), spec.name(), true, null, 0, null), spec.source());
    }

    /**
     * Retries the drops of orphaned slots whose time has come, in the background (one round at a time).
     *
     * @param sources a source's connection details by id
     */
    public void dropOrphans(Function<UUID, SourceSpec> sources) {
        background("orphans", () -> {
            for (Orphan o : store.orphansDue()) {
                SourceSpec source;
                try {
                    source = sources.apply(o.sourceId());
                } catch (RuntimeException e) {
                    store.orphanFailed(o.slotName(), "its source could not be read: " + DatabaseErrors.message(e));
                    continue;
                }
                dropNow(o, source);
            }
            orphans = store.orphans();
        });
    }

    /**
     * Looks now and then at the slots of stopped pipelines (a stopped pipeline keeps its slot, which holds WAL on
     * its source), in the background, and records what they hold.
     *
     * @param sources opens a source's connection details by pipeline id
     * @param every   how old a look may be
     */
    public void checkStoppedSlots(Function<UUID, SourceSpec> sources, Duration every) {
        background("slots", () -> {
            for (UUID id : store.stoppedToCheck(every)) {
                store.stream(id).ifPresent(s -> {
                    try {
                        SourceSpec source = sources.apply(id);
                        try (Connection c = connector.connect(source, connector.approve(source), dropTimeout, false)) {
                            Optional<ReplicationObjects.SlotState> slot = objects.slot(c, s.slotName());
                            store.slotSeen(id, s.slotName(), slot.orElse(null), slot.isPresent() ? null : "the slot no longer exists");
                        }
                    } catch (SourceFailure e) {
                        store.slotSeen(id, s.slotName(), null, e.kind().label() + ": " + e.getMessage());
                    } catch (SQLException | RuntimeException e) {
                        store.slotSeen(id, s.slotName(), null, DatabaseErrors.message(e));
                    }
                });
            }
        });
    }

    /**
     * The slots of deleted pipelines still to be dropped, as of the supervisor's last look.
     *
     * @return them, oldest first
     */
    public List<Orphan> orphans() {
        return orphans;
    }

    /**
     * The names of the slots of deleted pipelines still to be dropped, as of the supervisor's last look.
     *
     * @return the slot names
     */
    public List<String> orphanSlots() {
        return orphans.stream().map(Orphan::slotName).toList();
    }

    /* Drops an orphan's slot and publication; null when done, else why not. */
    private String drop(Orphan o, SourceSpec source) {
        try {
            if (source == null) {
                return "its source no longer exists";
            }
            InetAddress address = connector.approve(source);
            try (Connection c = connector.connect(source, address, dropTimeout, false)) {
                if (o.dropSlot()) {
                    objects.dropSlot(c, o.slotName());
                }
                if (o.publicationName() != null) {
                    objects.dropPublication(c, o.publicationName());
                }
            }
            return null;
        } catch (SourceFailure e) {
            return e.kind().label() + ": " + e.getMessage();
        } catch (SQLException e) {
            return DatabaseErrors.message(e);
        }
    }

    /* Runs a chore on a virtual thread unless the same chore still runs. */
    private void background(String chore, Runnable work) {
        if (!chores.add(chore)) {
            return;
        }
        Thread.ofVirtual().name("philotes-" + chore).start(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Looking at {0} failed (retried at the next look): {1}", chore, DatabaseErrors.message(e));
            } finally {
                chores.remove(chore);
            }
        });
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

    /** Stops every pipeline of this instance, leaving their desired state as it is (a user's stop under way is still recorded). */
    @Override
    public void close() {
        running.values().forEach(r -> r.runner().stop(PipelineRunner.Stop.DETACH));
        running.values().forEach(r -> join(r, STOP_WAIT));
        leases.close();
    }

    /* Runners whose lease is gone stop at once: another instance may own their pipelines now. */
    private void detachUnleased() {
        running.forEach((id, r) -> {
            if (!leases.holds(id)) {
                r.runner().stop(PipelineRunner.Stop.DETACH);
            }
        });
    }

    private static boolean join(Running r, Duration wait) {
        try {
            if (r.thread().join(wait)) {
                return true;
            }
            LOG.log(System.Logger.Level.WARNING, "A pipeline did not stop within {0} s", wait.toSeconds());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Running(PipelineRunner runner, Thread thread) {
    }

    /**
     * The slot (and publication) of a deleted pipeline, still to be dropped.
     *
     * @param slotName        the slot
     * @param sourceId        its source
     * @param pipelineName    the deleted pipeline's name
     * @param dropSlot        whether the slot is to be dropped (the engine made it)
     * @param publicationName the publication to drop, or null
     * @param attempts        failed attempts so far
     * @param lastError       why the last one failed, or null
     */
    public record Orphan(String slotName, UUID sourceId, String pipelineName, boolean dropSlot, String publicationName, int attempts,
                         String lastError) {
    }

    /* The runners' reports, into the pipelines table, each only while the runner is the owner. */
    private final class Status implements PipelineRunner.StatusSink {
        @Override
        public void running(UUID id, long epoch) {
            store.status(id, PipelineStatus.RUNNING, epoch, null);
        }

        @Override
        public void error(UUID id, long epoch, String message) {
            failures.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
            store.status(id, PipelineStatus.ERROR, epoch, message);
        }

        @Override
        public void stopped(UUID id, long epoch) {
            store.stopDone(id, epoch);
        }
    }
}
