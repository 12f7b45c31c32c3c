package io.philotes.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import io.helidon.dbclient.DbExecute;
import io.philotes.cdc.CdcEngine;
import io.philotes.cdc.EventStore;
import io.philotes.cdc.PipelineSpec;
import io.philotes.cdc.StreamState;
import io.philotes.config.Settings;
import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.PageRequest;
import io.philotes.core.PipelineStatus;
import io.philotes.core.ProblemType;
import io.philotes.db.DatabaseErrors;
import io.philotes.source.ConnectionReport;
import io.philotes.source.SourceFailure;
import io.philotes.source.SourceService;
import io.philotes.source.TableDiscovery;
import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * The rules of pipelines: unique names, a pipeline created with its tables in one transaction, the
 * conditions of a write (If-Match), and that the definition of a pipeline the engine holds (starting,
 * running, stopping) does not change. Every write locks the pipeline's row, so a concurrent start sees the
 * definition before or after a change, never half of it. After a change of tables the source is asked
 * whether they exist; what is wrong comes back as warnings.
 */
public final class PipelineService {
    private static final System.Logger LOG = System.getLogger(PipelineService.class.getName());
    /* Events per metadata transaction at most (and pipelines.batch.bytes): large enough for throughput. */
    private static final int BATCH_SIZE = 10000;
    /* An events page stops once its events' JSON reaches this (the first event always comes). */
    static final long PAGE_BYTES = 4L * 1024 * 1024;
    /* How many seqs a filtered events page looks at, at most. */
    static final long FILTER_RANGE = 10_000;
    /* A batch's share of the heap at most, and its floor. */
    private static final long HEAP_SHARE = 64;
    private static final long MIN_BATCH_BYTES = 64 * 1024;
    /* How old the last look at a stopped pipeline's slot may be, in supervise intervals (30 s by default). */
    private static final int SLOT_LOOK_INTERVALS = 15;
    /* How long a start waits to answer with running rather than starting. */
    private static final Duration START_WAIT = Duration.ofSeconds(3);
    /* How long a stop waits for the instance that runs the pipeline. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final PipelineRepository repository;
    private final SourceService sources;
    private final CdcEngine engine;
    private final EventStore events;
    private final Settings.Events settings;

    public PipelineService(PipelineRepository repository, SourceService sources, CdcEngine engine, EventStore events, Settings.Events settings) {
        this.repository = repository;
        this.sources = sources;
        this.engine = engine;
        this.events = events;
        this.settings = settings;
    }

    Detail create(PipelineDraft d) {
        UUID id = UUID.randomUUID();
        JsonObject config = d.config() == null ? JsonValue.EMPTY_JSON_OBJECT : d.config();
        List<MappingDraft> tables = d.tables() == null ? List.of() : d.tables();
        Pipeline created;
        try {
            created = repository.transaction(tx -> {
                Pipeline p = repository.insert(tx, new Pipeline(id, d.name(), d.sourceId(), PipelineStatus.STOPPED, config, null, null, null, null,
                                                                null, 1, 0));
                repository.replaceMappings(tx, id, tables);
                repository.syncSnapshots(tx, id);
                return p;
            });
        } catch (RuntimeException e) {
            throw clientError(e, d.name(), d.sourceId());
        }
        List<TableMapping> mappings = repository.mappings(id);
        return new Detail(created, mappings, warnings(created, mappings));
    }

    Detail get(UUID id) {
        Pipeline p = repository.find(id).orElseThrow(() -> notFound(id));
        return new Detail(p, repository.mappings(id), List.of());
    }

    PageRequest.Page<Pipeline> list(String statusText, UUID sourceId, PageRequest page) {
        PipelineStatus status = statusText == null ? null : PipelineStatus.WORDS.parse(statusText).orElseThrow(() -> ApiException.validation(
                List.of(new FieldError("status", "must be one of " + PipelineStatus.WORDS.list()))));
        return page.page(repository.list(status, sourceId, page), repository.count(status, sourceId),
                         p -> new PageRequest.Cursor(p.createdAt(), p.id()));
    }

    Detail update(UUID id, PipelineDraft d, OptionalInt ifMatch) {
        Pipeline updated;
        try {
            updated = repository.transaction(tx -> {
                Pipeline current = editable(tx, id, ifMatch, "changed");
                if (d.sourceId() != null && !d.sourceId().equals(current.sourceId())) {
                    throw ApiException.validation(List.of(new FieldError("source_id",
                            "cannot be changed; create a new pipeline for the other source")));
                }
                if (d.tables() != null) {
                    repository.replaceMappings(tx, id, d.tables());
                    repository.syncSnapshots(tx, id);
                }
                return repository.update(tx, id, d.name() != null ? d.name() : current.name(),
                                         d.config() != null ? d.config() : current.config());
            });
        } catch (RuntimeException e) {
            throw clientError(e, d.name(), null);
        }
        List<TableMapping> mappings = repository.mappings(id);
        return new Detail(updated, mappings, d.tables() != null ? warnings(updated, mappings) : List.of());
    }

    /*
     * Decided first, under the pipeline's lock (If-Match, not running), and only then is the source touched: a refused
     * delete leaves the slot and publication alone. What the pipeline made on its source is recorded as an orphan in
     * the delete's transaction and dropped once it committed; a drop that fails then (the source unreachable) is
     * retried by the supervisor and shown in /health and /metrics until it succeeds, so no slot is ever forgotten.
     */
    void delete(UUID id, OptionalInt ifMatch) {
        Deleted deleted = repository.transaction(tx -> {
            Pipeline p = editable(tx, id, ifMatch, "deleted");
            PipelineSpec spec = spec(p);
            Optional<CdcEngine.Orphan> left = engine.leftOnSource(spec);
            left.ifPresent(o -> events.addOrphan(tx, o));
            repository.delete(tx, id);
            return new Deleted(spec, left);
        });
        deleted.left().ifPresent(o -> engine.dropNow(o, deleted.spec().source()));
    }

    private record Deleted(PipelineSpec spec, Optional<CdcEngine.Orphan> left) {
    }

    /*
     * Prepares a new copy of a stopped pipeline (its slot was lost, or the metadata database is behind the slot): drops
     * its slot, under the pipeline's lock, and forgets it, so that the next start creates a new slot and copies every
     * table again. Its events stay, and the new ones are numbered on.
     */
    Detail resnapshot(UUID id) {
        repository.transaction(tx -> {
            Pipeline p = repository.lock(tx, id).orElseThrow(() -> notFound(id));
            if (p.status() != PipelineStatus.STOPPED) {
                throw ApiException.conflict("Pipeline " + p.name() + " is " + p.status().describe() + "; stop it first (POST /api/v1/pipelines/"
                                            + id + "/stop)");
            }
            PipelineSpec spec = spec(p);
            Optional<CdcEngine.Orphan> slot = engine.leftOnSource(spec).filter(CdcEngine.Orphan::dropSlot);
            if (events.stream(id).isEmpty()) {
                throw ApiException.conflict("Pipeline " + p.name() + " never started: its first start takes the initial copy");
            }
            if (slot.isPresent()) {
                String failure = engine.dropSlot(spec, slot.get().slotName());
                if (failure != null) {
                    throw new ApiException(ProblemType.SOURCE_UNREACHABLE, "Pipeline " + p.name() + " is unchanged: its replication slot "
                            + slot.get().slotName() + " could not be dropped (" + failure + "). Try again when the source is reachable");
                }
            }
            events.forgetSlot(id);
            return null;
        });
        return get(id);
    }

    /*
     * Starts a pipeline after the pre-flight checks: the connection test must find the source ready for CDC,
     * and every enabled table must exist and have its updates and deletes capturable.
     */
    Detail start(UUID id) {
        Pipeline p = repository.find(id).orElseThrow(() -> notFound(id));
        if (p.status().engaged()) {
            throw ApiException.conflict("Pipeline " + p.name() + " is already " + p.status().describe());
        }
        List<TableMapping> enabled = repository.mappings(id).stream().filter(TableMapping::enabled).toList();
        if (enabled.isEmpty()) {
            throw ApiException.conflict("Pipeline " + p.name() + " has no enabled tables; add one with POST /api/v1/pipelines/" + id
                                        + "/tables");
        }
        List<FieldError> failed = preflight(p, enabled);
        if (!failed.isEmpty()) {
            throw new ApiException(ProblemType.CONFLICT, "Pipeline " + p.name() + " cannot start: " + failed.size()
                    + " pre-flight check(s) failed: " + String.join("; ", failed.stream().map(f -> f.field() + ": " + f.message()).toList()),
                    failed, Map.of());
        }
        repository.transaction(tx -> {
            Pipeline current = repository.lock(tx, id).orElseThrow(() -> notFound(id));
            if (current.status().engaged()) {
                throw ApiException.conflict("Pipeline " + current.name() + " is already " + current.status().describe());
            }
            return repository.setStatus(tx, id, PipelineStatus.STARTING, null);
        });
        engine.start(spec(p));
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        Pipeline now = repository.find(id).orElseThrow(() -> notFound(id));
        while (now.status() == PipelineStatus.STARTING && System.nanoTime() < deadline) {
            pause();
            now = repository.find(id).orElseThrow(() -> notFound(id));
        }
        return new Detail(now, repository.mappings(id), List.of());
    }

    /*
     * Stops a pipeline: the instance that runs it stores what it read, confirms it and closes the stream
     * (within 5 s). When it runs on another instance, that one sees the stop at its next look.
     */
    Detail stop(UUID id) {
        repository.transaction(tx -> {
            Pipeline current = repository.lock(tx, id).orElseThrow(() -> notFound(id));
            if (current.status().stoppedOrStopping()) {
                throw ApiException.conflict("Pipeline " + current.name() + " is already " + current.status().text());
            }
            return repository.setStatus(tx, id, PipelineStatus.STOPPING, null);
        });
        if (engine.runsHere(id)) {
            engine.stop(id);
        } else {
            long deadline = System.nanoTime() + STOP_WAIT.toNanos();
            // When no instance runs it, nobody else records the stop: this one does, once it can take the lease.
            while (repository.find(id).map(p -> p.status() != PipelineStatus.STOPPED).orElse(false) && System.nanoTime() < deadline
                   && !engine.finishStop(id)) {
                pause();
            }
        }
        return get(id);
    }

    /**
     * One look of the supervisor: runs here the pipelines wanted running that no instance runs (at start-up,
     * after another instance died, after a lost lease), and stops here those no longer wanted running.
     */
    public void supervise() {
        engine.checkLeases();
        List<UUID> wanted = events.wantingToRun();
        for (UUID id : wanted) {
            if (engine.runsHere(id) || !engine.lease(id)) {
                continue;
            }
            try {
                engine.start(spec(repository.find(id).orElseThrow(() -> notFound(id))));
            } catch (RuntimeException e) {
                engine.release(id);
                LOG.log(System.Logger.Level.WARNING, "Pipeline {0} could not be started here: {1}", id, e.getMessage());
            }
        }
        for (UUID id : engine.runningHere()) {
            if (!wanted.contains(id)) {
                engine.stop(id);
            }
        }
        engine.finishStops();
        engine.dropOrphans(sources::spec);
        engine.checkStoppedSlots(id -> repository.find(id).map(p -> sources.spec(p.sourceId())).orElse(null),
                                  settings.superviseInterval().multipliedBy(SLOT_LOOK_INTERVALS));
    }

    /* Each enabled table of the pipeline with the latest shape it was seen in. */
    List<TableSchema> schema(UUID id) {
        repository.find(id).orElseThrow(() -> notFound(id));
        return repository.schema(id);
    }

    Status status(UUID id) {
        Pipeline p = repository.find(id).orElseThrow(() -> notFound(id));
        Optional<StreamState> stream = events.stream(id);
        Long lag = null;
        List<Warning> warnings = new ArrayList<>();
        if (stream.isPresent()) {
            StreamState st = stream.get();
            lag = engine.lagBytes(id, Math.max(st.confirmedLsn(), st.startLsn()), st.slot().sourceWalLsn());
            warnings.addAll(slotWarnings(p, st));
        }
        return new Status(p, stream, events.tableStats(id), repository.snapshots(id), lag, events.bounds(id), warnings);
    }

    /* What an operator should know about the slot: WAL piling up on the source, or the slot near its loss. */
    private List<Warning> slotWarnings(Pipeline p, StreamState st) {
        StreamState.SlotSeen slot = st.slot();
        List<Warning> warnings = new ArrayList<>();
        if (slot.retainedBytes() != null && slot.retainedBytes() > settings.walWarn()) {
            warnings.add(new Warning("wal_retained", "Replication slot " + st.slotName() + " holds " + slot.retainedBytes() + " bytes of WAL on"
                    + " the source, above pipelines.wal.warn (" + settings.walWarn() + "): "
                    + (p.status() == PipelineStatus.STOPPED ? "a stopped pipeline's slot keeps all WAL since its stop; start the pipeline or"
                       + " delete it" : "the pipeline is behind its source; see lag_bytes and error_message"), null, null));
        }
        if ("unreserved".equals(slot.walStatus())) {
            warnings.add(new Warning("wal_unreserved", "Replication slot " + st.slotName() + " holds more WAL than max_slot_wal_keep_size"
                    + " keeps: the source will invalidate it at its next checkpoint unless the pipeline catches up", null, null));
        }
        return warnings;
    }

    /*
     * A page of events; a position whose next events the retention deleted is 410, never a silent gap. A filtered
     * page looks at no more than FILTER_RANGE seqs, so one that matches little costs a bounded read: it may then be
     * empty while more follows, and its next position is where it stopped looking.
     */
    EventsPage events(UUID id, long after, int limit, EventStore.Filter filter) {
        if (filter.none()) {
            return events(id, after, limit, PAGE_BYTES);
        }
        EventStore.Bounds bounds = bounds(id, after);
        long until = Math.min(bounds.lastSeq(), after + FILTER_RANGE);
        if (until <= after) {
            return new EventsPage(List.of(), after, bounds);
        }
        EventStore.Matching page = events.matching(id, after, until, filter, limit, PAGE_BYTES);
        return new EventsPage(page.events(), page.complete() ? until : page.events().getLast().seq(), bounds);
    }

    EventsPage events(UUID id, long after, int limit, long bytes) {
        EventStore.Bounds bounds = bounds(id, after);
        List<EventStore.StoredEvent> page = events.after(id, after, limit, bytes);
        return new EventsPage(page, page.isEmpty() ? after : page.getLast().seq(), bounds);
    }

    private EventStore.Bounds bounds(UUID id, long after) {
        repository.find(id).orElseThrow(() -> notFound(id));
        EventStore.Bounds bounds = events.bounds(id);
        if (bounds.expiredAfter(after)) {
            throw new ApiException(ProblemType.EVENTS_EXPIRED, "Events " + (after + 1) + " to " + (bounds.firstSeq() - 1) + " were deleted"
                    + " by the retention (events.retention); the oldest available is seq " + bounds.firstSeq() + ": read on with after="
                    + (bounds.firstSeq() - 1) + ", knowing that those events are gone");
        }
        return bounds;
    }

    private List<FieldError> preflight(Pipeline p, List<TableMapping> enabled) {
        List<FieldError> failed = new ArrayList<>();
        ConnectionReport report = sources.preflight(p.sourceId());
        for (ConnectionReport.Check c : report.checks()) {
            if (c.status() == ConnectionReport.Status.FAIL) {
                failed.add(new FieldError(c.name(), c.message() + (c.remediation() == null ? "" : " (fix: " + c.remediation() + ")")));
            }
        }
        if (failed.isEmpty()) {
            for (Warning w : warnings(p, enabled)) {
                failed.add(new FieldError(w.table() == null ? "tables" : "tables." + new TableName(w.schema(), w.table()), w.message()));
            }
        }
        return failed;
    }

    private PipelineSpec spec(Pipeline p) {
        int chunk = p.config().containsKey("snapshot_chunk") ? p.config().getInt("snapshot_chunk") : ConfigKeys.DEFAULT_CHUNK;
        return new PipelineSpec(p.id(), p.name(), p.sourceId(), sources.spec(p.sourceId()), chunk, BATCH_SIZE, batchBytes());
    }

    /*
     * pipelines.batch.bytes, but at most 1/64 of the heap: a pipeline holds up to three batches (one filling, one queued,
     * one being stored), and a single large change must still find room beside them (a 50 MB value in a 64 MB heap).
     */
    private long batchBytes() {
        return Math.max(MIN_BATCH_BYTES, Math.min(settings.batchBytes(), Runtime.getRuntime().maxMemory() / HEAP_SHARE));
    }

    private static void pause() {
        try {
            Thread.sleep(25);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<TableMapping> tables(UUID id) {
        repository.find(id).orElseThrow(() -> notFound(id));
        return repository.mappings(id);
    }

    TableMapping table(UUID id, UUID mappingId) {
        repository.find(id).orElseThrow(() -> notFound(id));
        return repository.mapping(id, mappingId).orElseThrow(() -> mappingNotFound(id, mappingId));
    }

    /*
     * Adds a table; also to a running pipeline, whose runner adds it to its publication and copies it beside the
     * stream (it looks for new copies every second): the table's changes are captured from the copy's first watermark on.
     */
    MappingChange addTable(UUID id, MappingDraft d) {
        Changed changed;
        try {
            changed = repository.transaction(tx -> {
                Pipeline current = repository.lock(tx, id).orElseThrow(() -> notFound(id));
                if (current.status() == PipelineStatus.STOPPING) {
                    throw ApiException.conflict("Pipeline " + current.name() + " is stopping; add the table once it stopped");
                }
                TableMapping m = repository.insertMapping(tx, id, d.schema(), d.table(), d.enabled() == null || d.enabled(),
                                                          d.config() == null ? JsonValue.EMPTY_JSON_OBJECT : d.config());
                repository.syncSnapshots(tx, id);
                return new Changed(repository.update(tx, id, current.name(), current.config()), m);
            });
        } catch (RuntimeException e) {
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.UNIQUE_VIOLATION)) {
                throw ApiException.conflict("Pipeline " + id + " already captures " + new TableName(d.schema(), d.table())
                        + "; change that mapping instead");
            }
            throw e;
        }
        return new MappingChange(changed.mapping(), warnings(changed.pipeline(), List.of(changed.mapping())));
    }

    /*
     * A new copy of one table, while the pipeline runs or not (a stopped one copies it at its next start). A copy of
     * that table in progress starts over. A table that cannot be read in chunks needs allow_full_copy; when the source
     * cannot be asked, the request is taken, and a table found unchunkable then shows failed with the reason.
     */
    TableSnapshot resnapshotTable(UUID id, UUID mappingId) {
        Pipeline p = repository.find(id).orElseThrow(() -> notFound(id));
        TableMapping m = repository.mapping(id, mappingId).orElseThrow(() -> mappingNotFound(id, mappingId));
        if (!m.enabled()) {
            throw ApiException.conflict("Table " + new TableName(m.schema(), m.table()) + " is disabled in pipeline " + p.name()
                    + "; enable it (PATCH its mapping with \"enabled\": true), which copies it");
        }
        if (!m.config().getBoolean("allow_full_copy", false)) {
            unchunkable(p, m).ifPresent(issue -> {
                throw ApiException.conflict("Table " + new TableName(m.schema(), m.table()) + " cannot be copied in chunks: " + issue);
            });
        }
        return repository.transaction(tx -> {
            repository.lock(tx, id).orElseThrow(() -> notFound(id));
            return repository.requestSnapshot(tx, mappingId).orElseThrow(() -> mappingNotFound(id, mappingId));
        });
    }

    /* Why the source says a table cannot be copied in chunks, if it says so. */
    private Optional<String> unchunkable(Pipeline p, TableMapping m) {
        try {
            return sources.findTables(p.sourceId(), List.of(new TableName(m.schema(), m.table()))).stream()
                    .map(TableDiscovery.Table::snapshotIssue).filter(Objects::nonNull).findFirst();
        } catch (SourceFailure | ApiException e) {
            return Optional.empty();
        }
    }

    List<TableSnapshot> snapshots(UUID id) {
        return repository.snapshots(id);
    }

    /* A mapping's config (allow_full_copy) may change while the pipeline runs; enabling or disabling it may not. */
    MappingChange changeTable(UUID id, UUID mappingId, MappingDraft d) {
        Changed changed = repository.transaction(tx -> {
            Pipeline current = repository.lock(tx, id).orElseThrow(() -> notFound(id));
            TableMapping m = repository.mapping(tx, id, mappingId).orElseThrow(() -> mappingNotFound(id, mappingId));
            if (d.enabled() != null && d.enabled() != m.enabled()) {
                editable(tx, id, OptionalInt.empty(), "changed");
            }
            TableMapping next = repository.updateMapping(tx, new TableMapping(m.id(), id, m.schema(), m.table(),
                    d.enabled() != null ? d.enabled() : m.enabled(), d.config() != null ? d.config() : m.config(), m.createdAt()));
            repository.syncSnapshots(tx, id);
            return new Changed(repository.update(tx, id, current.name(), current.config()), next);
        });
        return new MappingChange(changed.mapping(), warnings(changed.pipeline(), List.of(changed.mapping())));
    }

    void removeTable(UUID id, UUID mappingId) {
        repository.transaction(tx -> {
            Pipeline current = editable(tx, id, OptionalInt.empty(), "changed");
            repository.mapping(tx, id, mappingId).orElseThrow(() -> mappingNotFound(id, mappingId));
            repository.deleteMapping(tx, id, mappingId);
            return repository.update(tx, id, current.name(), current.config());
        });
    }

    /* Locks the pipeline and checks that this write may change it. */
    private Pipeline editable(DbExecute tx, UUID id, OptionalInt ifMatch, String action) {
        Pipeline current = repository.lock(tx, id).orElseThrow(() -> notFound(id));
        if (ifMatch.isPresent() && ifMatch.getAsInt() != current.version()) {
            throw ApiException.stale("Pipeline " + id, current.version(), ifMatch.getAsInt());
        }
        if (current.status().engaged()) {
            throw ApiException.conflict("Pipeline " + current.name() + " is " + current.status().describe() + ", so it cannot be " + action
                    + "; stop it first (POST /api/v1/pipelines/" + id + "/stop)");
        }
        return current;
    }

    /*
     * What the source says about the enabled mappings: tables that do not exist there, and tables whose
     * updates and deletes cannot be captured. A source that cannot be asked gives one warning saying why.
     */
    private List<Warning> warnings(Pipeline pipeline, List<TableMapping> mappings) {
        List<TableName> wanted = mappings.stream().filter(TableMapping::enabled).map(m -> new TableName(m.schema(), m.table())).toList();
        boolean copies = !"never".equals(pipeline.config().getString("snapshot", "initial"));
        Map<TableName, Boolean> fullCopyAllowed = new HashMap<>();
        mappings.forEach(m -> fullCopyAllowed.put(new TableName(m.schema(), m.table()), m.config().getBoolean("allow_full_copy", false)));
        if (wanted.isEmpty()) {
            return List.of();
        }
        List<TableDiscovery.Table> found;
        try {
            found = sources.findTables(pipeline.sourceId(), wanted);
        } catch (SourceFailure e) {
            return List.of(new Warning("source_unchecked", "The source could not be asked whether the tables exist ("
                    + e.kind().label() + ": " + e.getMessage() + "); they are checked again when the pipeline starts", null, null));
        } catch (ApiException e) {
            return List.of(new Warning("source_unchecked", "The source could not be asked whether the tables exist: " + e.detail(),
                                       null, null));
        }
        Map<TableName, TableDiscovery.Table> byName = new HashMap<>();
        found.forEach(t -> byName.put(new TableName(t.schema(), t.name()), t));
        List<Warning> warnings = new ArrayList<>();
        for (TableName name : wanted) {
            TableDiscovery.Table t = byName.get(name);
            if (t == null) {
                warnings.add(new Warning("table_missing", "Table " + name + " does not exist on the source (or is not a table);"
                        + " the pipeline cannot start until it does", name.schema(), name.table()));
            } else if (!t.cdcReady()) {
                warnings.add(new Warning("table_not_cdc_ready", "Table " + name + ": " + t.cdcIssue(), name.schema(), name.table()));
            } else if (copies && t.snapshotIssue() != null && !fullCopyAllowed.get(name)) {
                warnings.add(new Warning("table_copy_unchunkable", "Table " + name + ": " + t.snapshotIssue(), name.schema(), name.table()));
            }
        }
        return warnings;
    }

    /* A database error that is the client's doing, as its problem; anything else as it is. */
    private static RuntimeException clientError(RuntimeException e, String name, UUID sourceId) {
        if (DatabaseErrors.hasSqlState(e, DatabaseErrors.UNIQUE_VIOLATION)) {
            return ApiException.conflict("A pipeline named '" + name + "' already exists");
        }
        if (sourceId != null && DatabaseErrors.hasSqlState(e, DatabaseErrors.FOREIGN_KEY_VIOLATION)) {
            return ApiException.notFound("No source with id " + sourceId);
        }
        return e;
    }

    static ApiException notFound(UUID id) {
        return ApiException.notFound("No pipeline with id " + id);
    }

    private static ApiException mappingNotFound(UUID pipeline, UUID mapping) {
        return ApiException.notFound("Pipeline " + pipeline + " has no table mapping with id " + mapping);
    }

    /**
     * A pipeline with its tables.
     *
     * @param pipeline the pipeline
     * @param tables   its mappings, by schema then table
     * @param warnings what the source said about them after a change; empty otherwise
     */
    record Detail(Pipeline pipeline, List<TableMapping> tables, List<Warning> warnings) {
    }

    /**
     * A mapping after a change.
     *
     * @param mapping  the mapping
     * @param warnings what the source said about its table
     */
    record MappingChange(TableMapping mapping, List<Warning> warnings) {
    }

    private record Changed(Pipeline pipeline, TableMapping mapping) {
    }

    /**
     * A pipeline's state and numbers.
     *
     * @param pipeline the pipeline
     * @param stream   its stream, once it ever started
     * @param tables   per-table counters
     * @param snapshots the copies of the enabled tables
     * @param lagBytes how far the stored position is behind the source's WAL as last seen, or null
     * @param bounds   the events kept
     * @param warnings what the slot's state calls for
     */
    record Status(Pipeline pipeline, Optional<StreamState> stream, List<EventStore.TableStat> tables, List<TableSnapshot> snapshots, Long lagBytes,
                  EventStore.Bounds bounds,
                  List<Warning> warnings) {
    }

    /**
     * Stored events after a position.
     *
     * @param events the events
     * @param next   where the next page reads on: the last event's seq, or how far a filtered page looked
     * @param bounds the events kept
     */
    record EventsPage(List<EventStore.StoredEvent> events, long next, EventStore.Bounds bounds) {
    }
}
