package io.philotes.cdc;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.helidon.dbclient.DbClient;
import io.philotes.core.Durations;
import io.philotes.db.Rows;

/**
 * Which captured events are deleted (a {@link io.philotes.db.Pruner} runs it in the background): those older than
 * {@code events.retention} that every consumer of their pipeline has acknowledged and every sink (but the failed
 * ones) has delivered, and any older than {@code events.retention.max} whatever their readers. A consumer the second
 * kind of delete passes gets 410 on its next read and is named in a warning here and in {@code /metrics}; a sink
 * fails, saying why. Each delete takes at most 10,000 events, so none holds locks or bloats a transaction for long.
 */
public final class EventRetention {
    private static final System.Logger LOG = System.getLogger(EventRetention.class.getName());
    private static final int PER_STATEMENT = 10_000;

    private final DbClient db;
    private final Duration retention;
    private final Duration max;

    /**
     * Creates the retention.
     *
     * @param db        the metadata database
     * @param retention how long events are kept once acknowledged
     * @param max       how long they are kept at most
     */
    public EventRetention(DbClient db, Duration retention, Duration max) {
        this.db = db;
        this.retention = retention;
        this.max = max;
    }

    /**
     * Deletes every event past the retention, pipeline by pipeline.
     *
     * @return how many were deleted
     */
    public long prune() {
        List<Hold> holds;
        try (var rows = db.execute().namedQuery("events-retention-holds")) {
            holds = rows.map(r -> new Hold(r.column("pipeline_id").get(UUID.class), Rows.number(r, "held"))).toList();
        }
        long total = 0;
        for (Hold h : holds) {
            total += delete(h.pipelineId(), h.held() == null ? Long.MAX_VALUE : h.held(), retention);
            if (h.held() != null) {
                long forced = delete(h.pipelineId(), Long.MAX_VALUE, max);
                total += forced;
                if (forced > 0) {
                    warnExpired(h.pipelineId());
                }
            }
        }
        if (total > 0) {
            LOG.log(System.Logger.Level.INFO, "Deleted {0} events past the retention ({1}, at most {2})", total, retention, max);
        }
        return total;
    }

    private long delete(UUID pipelineId, long upTo, Duration age) {
        long total = 0;
        long deleted;
        do {
            deleted = db.execute().createNamedDelete("events-prune")
                    .params(Map.of("pipeline_id", pipelineId, "up_to", upTo, "seconds", age.toMillis() / 1000.0)).execute();
            total += deleted;
        } while (deleted == PER_STATEMENT && !Thread.currentThread().isInterrupted());
        return total;
    }

    /* Readers the hard cap passed: consumers are told at their next read, sinks fail with the reason. */
    private void warnExpired(UUID pipelineId) {
        try (var rows = db.execute().createNamedQuery("consumers-expired").addParam("pipeline_id", pipelineId).execute()) {
            List<String> names = rows.map(r -> Rows.text(r, "name")).toList();
            if (!names.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "Events of pipeline {0} older than events.retention.max ({1}) were deleted before its"
                        + " consumers {2} acknowledged them: their next read gets 410 (events-expired)", pipelineId, max, names);
            }
        }
        List<ExpiredSink> sinks;
        try (var rows = db.execute().createNamedQuery("sinks-expired").addParam("pipeline_id", pipelineId).execute()) {
            sinks = rows.map(r -> new ExpiredSink(r.column("id").get(UUID.class), Rows.text(r, "name"), r.column("cursor_seq").get(Long.class)))
                    .toList();
        }
        for (ExpiredSink s : sinks) {
            String error = "events after seq " + s.cursor() + " were deleted by events.retention.max (" + Durations.text(max) + ") before this"
                    + " sink delivered them; resume it with {\"skip_expired\": true} to go on without them";
            db.execute().createNamedUpdate("sink-fail").addParam("id", s.id()).addParam("error", error).execute();
            LOG.log(System.Logger.Level.WARNING, "Webhook sink {0} of pipeline {1} failed: {2}", s.name(), pipelineId, error);
        }
    }

    private record ExpiredSink(UUID id, String name, long cursor) {
    }

    private record Hold(UUID pipelineId, Long held) {
    }
}
