package io.philotes.system;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.dbclient.DbClient;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.philotes.auth.Denial;
import io.philotes.auth.Denials;
import io.philotes.cdc.CdcEngine;
import io.philotes.cdc.ChangeEvent;
import io.philotes.core.PipelineStatus;
import io.philotes.db.Rows;

/**
 * Prometheus metrics at {@code /metrics} (Micrometer's Prometheus registry): HTTP requests by method, route
 * and status, and per pipeline its state, stored events, lag and failures. Pipeline numbers are read from the
 * metadata database when scraped, so every instance reports every pipeline the same way.
 */
public final class Metrics implements Filter {
    /* Ids in paths become {id}, so that a route is one series however many resources there are. */
    private static final Pattern ID = Pattern.compile("/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Set<String> ROUTE_WORDS = Set.of("{id}", "api", "v1", "sources", "pipelines", "tables", "test", "start", "stop",
            "status", "events", "version", "config", "health", "live", "ready", "metrics", "openapi", "openapi.yaml", "keys", "audit",
            "resnapshot", "consumers", "ack", "stream", "sinks", "schema", "pause", "resume", "rotate-secret",
            "me", "ui");

    private static final List<String> SINK_STATES = List.of("active", "retrying", "paused", "failed");
    private static final List<String> WAL_STATUSES = List.of("reserved", "extended", "unreserved", "lost", "unknown");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DbClient db;
    private final CdcEngine engine;
    private final MultiGauge states;
    private final MultiGauge events;
    private final MultiGauge lag;
    private final MultiGauge retained;
    private final MultiGauge walStatus;
    private final MultiGauge orphans;
    private final MultiGauge consumerCursor;
    private final MultiGauge consumerLagEvents;
    private final MultiGauge consumerLagSeconds;
    private final MultiGauge consumerLastAck;
    private final MultiGauge consumerExpired;
    private final MultiGauge sinkState;
    private final MultiGauge sinkLag;
    private final MultiGauge sinkAttempts;
    private final MultiGauge sinkDelivered;

    /**
     * Creates the metrics.
     *
     * @param db     the metadata database, for the pipelines' numbers
     * @param engine  this instance's engine, for the lag and failures of the pipelines it runs
     * @param denials the requests access control turned away
     */
    public Metrics(DbClient db, CdcEngine engine, Denials denials) {
        this.db = db;
        this.engine = engine;
        for (Denial.Reason reason : Denial.Reason.values()) {
            FunctionCounter.builder("philotes.auth.failures", denials, d -> d.total(reason)).tags("reason", reason.label())
                    .description("requests turned away: missing, malformed, invalid or expired key (401), forbidden (403), unavailable (503)")
                    .register(registry);
        }
        states = MultiGauge.builder("philotes.pipeline.state").description("1 for the pipeline's current state").register(registry);
        events = MultiGauge.builder("philotes.pipeline.events").description("events stored for the pipeline").register(registry);
        lag = MultiGauge.builder("philotes.pipeline.lag").baseUnit("bytes")
                .description("source WAL not yet stored, as the pipeline's runner (or the supervisor) last saw its source").register(registry);
        retained = MultiGauge.builder("philotes.pipeline.wal.retained").baseUnit("bytes")
                .description("WAL the pipeline's replication slot holds on its source, as last seen (stopped pipelines too)").register(registry);
        walStatus = MultiGauge.builder("philotes.pipeline.slot.wal.status")
                .description("1 for the wal_status of the pipeline's slot as last seen (reserved, extended, unreserved, lost, unknown)")
                .register(registry);
        orphans = MultiGauge.builder("philotes.orphaned.slot")
                .description("1 per replication slot of a deleted pipeline still to be dropped on its source (retried)").register(registry);
        consumerCursor = MultiGauge.builder("philotes.consumer.cursor").description("the last seq the consumer acknowledged (with all before it)")
                .register(registry);
        consumerLagEvents = MultiGauge.builder("philotes.consumer.lag.events").description("events stored after the consumer's cursor")
                .register(registry);
        consumerLagSeconds = MultiGauge.builder("philotes.consumer.lag").baseUnit("seconds")
                .description("age of the oldest event the consumer has not acknowledged (its commit time), 0 when it has read all")
                .register(registry);
        consumerLastAck = MultiGauge.builder("philotes.consumer.last.ack").baseUnit("seconds")
                .description("time of the consumer's last acknowledgement, in seconds since the epoch").register(registry);
        consumerExpired = MultiGauge.builder("philotes.consumer.expired")
                .description("1 when events.retention.max deleted events the consumer had not acknowledged: its reads get 410").register(registry);
        sinkState = MultiGauge.builder("philotes.sink.state").description("1 for the webhook sink's state (active, retrying, paused, failed)")
                .register(registry);
        sinkLag = MultiGauge.builder("philotes.sink.lag.events").description("events stored after the sink's cursor").register(registry);
        sinkAttempts = MultiGauge.builder("philotes.sink.attempts").description("failed attempts of the batch the sink delivers now")
                .register(registry);
        sinkDelivered = MultiGauge.builder("philotes.sink.delivered.events").description("events the sink delivered").register(registry);
        Gauge.builder("philotes.orphaned.slots", engine, e -> e.orphans().size())
                .description("replication slots of deleted pipelines still to be dropped on their sources").register(registry);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // Before routing: a service sees its path relative to where it is registered.
        String route = route(req.path().path());
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            Timer.builder("philotes.http.server.requests")
                    .tags("method", req.prologue().method().text(), "route", route, "status", String.valueOf(res.status().code()))
                    .register(registry)
                    .record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /*
     * The route of a path, with a bounded number of values whatever clients send: ids become {id}, and any
     * segment that is not a word of the API becomes {other}.
     */
    static String route(String path) {
        StringBuilder route = new StringBuilder();
        for (String segment : ID.matcher(path).replaceAll("/{id}").split("/")) {
            if (!segment.isEmpty()) {
                route.append('/').append(ROUTE_WORDS.contains(segment) ? segment : "{other}");
            }
        }
        return route.isEmpty() ? "/" : route.toString();
    }

    /**
     * Sends the metrics in Prometheus' text format.
     *
     * @param req the request
     * @param res the response
     */
    public void scrape(ServerRequest req, ServerResponse res) {
        refresh();
        res.status(Status.OK_200);
        res.headers().contentType(MediaTypes.create("text", "plain"));
        res.send(registry.scrape());
    }

    /* The pipelines' numbers as stored now; pipelines deleted since the last scrape drop out. */
    private void refresh() {
        List<MultiGauge.Row<?>> stateRows = new ArrayList<>();
        List<MultiGauge.Row<?>> eventRows = new ArrayList<>();
        List<MultiGauge.Row<?>> lagRows = new ArrayList<>();
        List<MultiGauge.Row<?>> retainedRows = new ArrayList<>();
        List<MultiGauge.Row<?>> walStatusRows = new ArrayList<>();
        List<PipelineNumbers> pipelines;
        try (var rows = db.execute().namedQuery("metrics-pipelines")) {
            pipelines = rows.map(r -> new PipelineNumbers(r.column("id").get(UUID.class), Rows.text(r, "name"), Rows.text(r, "status"),
                                                          r.column("events_processed").get(Long.class), Rows.text(r, "position"),
                                                          Rows.text(r, "source_wal_lsn"), Rows.number(r, "slot_retained_bytes"),
                                                          Rows.text(r, "slot_wal_status"))).toList();
        }
        for (PipelineNumbers p : pipelines) {
            for (PipelineStatus state : PipelineStatus.values()) {
                stateRows.add(MultiGauge.Row.of(Tags.of("pipeline", p.name(), "state", state.text()), state.text().equals(p.status()) ? 1 : 0));
            }
            eventRows.add(MultiGauge.Row.of(Tags.of("pipeline", p.name()), p.events()));
            UUID id = p.id();
            FunctionCounter.builder("philotes.pipeline.errors", engine, e -> e.failures(id)).tags("pipeline", p.name())
                    .description("failures of the pipeline on this instance (each retried)").register(registry);
            Long lagBytes = p.position() == null ? null
                    : engine.lagBytes(id, ChangeEvent.lsn(p.position()), p.sourceWal() == null ? 0 : ChangeEvent.lsn(p.sourceWal()));
            if (lagBytes != null) {
                lagRows.add(MultiGauge.Row.of(Tags.of("pipeline", p.name()), lagBytes));
            }
            if (p.retainedBytes() != null) {
                retainedRows.add(MultiGauge.Row.of(Tags.of("pipeline", p.name()), p.retainedBytes()));
            }
            if (p.walStatus() != null) {
                for (String status : WAL_STATUSES) {
                    walStatusRows.add(MultiGauge.Row.of(Tags.of("pipeline", p.name(), "wal_status", status), status.equals(p.walStatus()) ? 1 : 0));
                }
            }
        }
        states.register(stateRows, true);
        events.register(eventRows, true);
        lag.register(lagRows, true);
        retained.register(retainedRows, true);
        walStatus.register(walStatusRows, true);
        refreshConsumers();
        refreshSinks();
        orphans.register(engine.orphans().stream().map(o -> MultiGauge.Row.of(Tags.of("slot", o.slotName(), "pipeline", o.pipelineName()), 1))
                                 .<MultiGauge.Row<?>>map(r -> r).toList(), true);
    }

    private void refreshConsumers() {
        List<MultiGauge.Row<?>> cursor = new ArrayList<>();
        List<MultiGauge.Row<?>> lagEvents = new ArrayList<>();
        List<MultiGauge.Row<?>> lagSeconds = new ArrayList<>();
        List<MultiGauge.Row<?>> lastAck = new ArrayList<>();
        List<MultiGauge.Row<?>> expired = new ArrayList<>();
        try (var rows = db.execute().namedQuery("metrics-consumers")) {
            rows.forEach(r -> {
                Tags tags = Tags.of("pipeline", Rows.text(r, "pipeline_name"), "consumer", Rows.text(r, "name"));
                cursor.add(MultiGauge.Row.of(tags, r.column("cursor_seq").get(Long.class)));
                lagEvents.add(MultiGauge.Row.of(tags, Math.max(0, r.column("lag_events").get(Long.class))));
                Number lag = r.column("lag_seconds").get(Number.class);
                lagSeconds.add(MultiGauge.Row.of(tags, lag == null ? 0 : Math.max(0, lag.doubleValue())));
                Instant ack = Rows.instant(r, "last_ack_at");
                if (ack != null) {
                    lastAck.add(MultiGauge.Row.of(tags, ack.toEpochMilli() / 1000.0));
                }
                expired.add(MultiGauge.Row.of(tags, Boolean.TRUE.equals(r.column("expired").get(Boolean.class)) ? 1 : 0));
            });
        }
        consumerCursor.register(cursor, true);
        consumerLagEvents.register(lagEvents, true);
        consumerLagSeconds.register(lagSeconds, true);
        consumerLastAck.register(lastAck, true);
        consumerExpired.register(expired, true);
    }

    private void refreshSinks() {
        List<MultiGauge.Row<?>> state = new ArrayList<>();
        List<MultiGauge.Row<?>> lagRows = new ArrayList<>();
        List<MultiGauge.Row<?>> attempts = new ArrayList<>();
        List<MultiGauge.Row<?>> delivered = new ArrayList<>();
        try (var rows = db.execute().namedQuery("metrics-sinks")) {
            rows.forEach(r -> {
                Tags tags = Tags.of("pipeline", Rows.text(r, "pipeline_name"), "sink", Rows.text(r, "name"));
                String current = Rows.text(r, "state");
                for (String s : SINK_STATES) {
                    state.add(MultiGauge.Row.of(tags.and("state", s), s.equals(current) ? 1 : 0));
                }
                lagRows.add(MultiGauge.Row.of(tags, Math.max(0, r.column("lag_events").get(Long.class))));
                attempts.add(MultiGauge.Row.of(tags, r.column("attempts").get(Integer.class)));
                delivered.add(MultiGauge.Row.of(tags, r.column("delivered_events").get(Long.class)));
            });
        }
        sinkState.register(state, true);
        sinkLag.register(lagRows, true);
        sinkAttempts.register(attempts, true);
        sinkDelivered.register(delivered, true);
    }

    private record PipelineNumbers(UUID id, String name, String status, long events, String position, String sourceWal, Long retainedBytes,
                                   String walStatus) {
    }
}
