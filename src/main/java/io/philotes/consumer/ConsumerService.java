package io.philotes.consumer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.helidon.dbclient.DbExecute;
import io.philotes.cdc.EventStore;
import io.philotes.cdc.NewEvents;
import io.philotes.core.ApiException;
import io.philotes.core.ProblemType;
import io.philotes.db.DatabaseErrors;

/**
 * The rules of consumers. A consumer hands out its pipeline's events in batches, in seq order, at least once:
 * a batch is held by the reader that got it until it is acknowledged or its visibility timeout passes, and is
 * then the first thing the next read gets, with the same {@code batch_id}. Several readers of one consumer get
 * different batches (its row is locked while one is handed out). The cursor moves over the batches acknowledged
 * without a gap, so after any crash every event past it is delivered again. A read may wait for new events (a
 * long poll): it answers as soon as one is stored, whichever instance stores it.
 */
public final class ConsumerService {
    /* Consumers per pipeline at most; each holds back the retention of its pipeline's events. */
    static final int MAX_CONSUMERS = 100;
    /* Batches a consumer's readers may hold at once. */
    static final int MAX_HELD = 1000;
    /* A batch's events stop once their JSON reaches this (the first always comes), as pages of GET /events do. */
    static final long BATCH_BYTES = 4L * 1024 * 1024;
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final ConsumerRepository repository;
    private final EventStore events;
    private final NewEvents newEvents;

    public ConsumerService(ConsumerRepository repository, EventStore events, NewEvents newEvents) {
        this.repository = repository;
        this.events = events;
        this.newEvents = newEvents;
    }

    /**
     * A consumer with its pipeline's bounds, as the API shows it.
     *
     * @param consumer the consumer
     * @param bounds   the pipeline's retained events
     */
    record View(Consumer consumer, EventStore.Bounds bounds) {
        boolean expired() {
            return bounds.expiredAfter(consumer.cursor());
        }

        long lagEvents() {
            return Math.max(0, bounds.lastSeq() - consumer.cursor());
        }

        double lagSeconds() {
            Instant oldest = consumer.oldestUnackedAt();
            return oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).toMillis() / 1000.0);
        }
    }

    /**
     * A batch handed out, or none.
     *
     * @param batchId     its id, null when there were no events
     * @param deliveries  how often it was handed out
     * @param ackDeadline when it is delivered again unless acknowledged
     * @param events      its events
     * @param bounds      the pipeline's retained events
     */
    record Delivery(UUID batchId, int deliveries, Instant ackDeadline, List<EventStore.StoredEvent> events, EventStore.Bounds bounds) {
    }

    View create(UUID pipelineId, ConsumerDraft d) {
        events.requirePipeline(pipelineId);
        if (repository.count(pipelineId) >= MAX_CONSUMERS) {
            throw ApiException.conflict("Pipeline " + pipelineId + " has " + MAX_CONSUMERS + " consumers, the most it may have; delete one first");
        }
        EventStore.Bounds bounds = events.bounds(pipelineId);
        long cursor;
        if (d.start().word() == null) {
            long seq = d.start().seq();
            if (seq < bounds.firstSeq()) {
                throw ApiException.unprocessable("start", "events before seq " + bounds.firstSeq() + " were deleted by the retention: start at "
                        + bounds.firstSeq() + " or later, or with \"earliest\"");
            }
            if (seq > bounds.lastSeq() + 1) {
                throw ApiException.unprocessable("start", "the last stored event is seq " + bounds.lastSeq() + ": start at " + (bounds.lastSeq() + 1)
                        + " at most, or with \"latest\"");
            }
            cursor = seq - 1;
        } else {
            cursor = d.start() == ConsumerDraft.Start.EARLIEST ? bounds.firstSeq() - 1 : bounds.lastSeq();
        }
        try {
            repository.insert(UUID.randomUUID(), pipelineId, d.name(), cursor, d.visibilityTimeout());
        } catch (RuntimeException e) {
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.UNIQUE_VIOLATION)) {
                throw ApiException.conflict("Pipeline " + pipelineId + " already has a consumer named " + d.name());
            }
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.FOREIGN_KEY_VIOLATION)) {
                throw EventStore.pipelineNotFound(pipelineId);
            }
            throw e;
        }
        return get(pipelineId, d.name());
    }

    List<View> list(UUID pipelineId) {
        events.requirePipeline(pipelineId);
        EventStore.Bounds bounds = events.bounds(pipelineId);
        return repository.list(pipelineId).stream().map(c -> new View(c, bounds)).toList();
    }

    View get(UUID pipelineId, String name) {
        Consumer c = repository.find(pipelineId, name).orElseThrow(() -> missing(pipelineId, name));
        return new View(c, events.bounds(pipelineId));
    }

    void delete(UUID pipelineId, String name) {
        if (!repository.delete(pipelineId, name)) {
            throw missing(pipelineId, name);
        }
    }

    /**
     * The next batch: one whose visibility timeout passed unacknowledged, else the events after the last one
     * handed out. With a wait, an empty answer waits for the next event stored (or a batch due again).
     */
    Delivery next(UUID pipelineId, String name, int limit, Duration wait, String caller) {
        Instant until = Instant.now().plus(wait);
        Optional<NewEvents.Waiter> place;
        try {
            place = wait.isZero() ? Optional.empty() : Optional.of(newEvents.waiter(caller));
        } catch (NewEvents.Busy e) {
            throw ApiException.unavailable(e.getMessage(), 1);
        }
        try {
            while (true) {
                long mark = newEvents.mark();
                Attempt a = repository.transaction(tx -> attempt(tx, pipelineId, name, limit));
                if (a.delivery().batchId() != null || !Instant.now().isBefore(until) || newEvents.closed()) {
                    return a.delivery();
                }
                Instant wake = a.nextVisibleAt() != null && a.nextVisibleAt().isBefore(until) ? a.nextVisibleAt() : until;
                newEvents.await(pipelineId, a.delivered(), mark, wake);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ProblemType.SERVICE_UNAVAILABLE, "The service is stopping; read again");
        } finally {
            place.ifPresent(NewEvents.Waiter::close);
        }
    }

    /* One try, with the consumer's row locked: a batch due again, else new events, else nothing yet. */
    private Attempt attempt(DbExecute tx, UUID pipelineId, String name, int limit) {
        ConsumerRepository.Locked c = locked(tx, pipelineId, name);
        EventStore.Bounds bounds = events.bounds(pipelineId);
        if (bounds.expiredAfter(c.cursor())) {
            throw expired(pipelineId, name, c.cursor(), bounds);
        }
        ConsumerRepository.Held held = repository.held(tx, c.id());
        for (; held.due() != null; held = repository.held(tx, c.id())) {
            ConsumerRepository.Range r = held.due();
            long from = Math.max(r.first(), c.cursor() + 1);
            List<EventStore.StoredEvent> again = from > r.last() ? List.of()
                    : events.after(tx, pipelineId, from - 1, (int) (r.last() - from + 1), Long.MAX_VALUE);
            if (again.isEmpty()) {
                // Its events were acknowledged meanwhile (up_to_seq): nothing is left to deliver.
                repository.ack(tx, r.id());
                continue;
            }
            ConsumerRepository.Handed h = repository.redeliver(tx, r.id(), c.visibility());
            return new Attempt(new Delivery(r.id(), h.deliveries(), h.ackDeadline(), again, bounds), c.delivered(), null);
        }
        if (held.count() >= MAX_HELD) {
            throw ApiException.conflict("Consumer " + name + " has " + MAX_HELD + " batches out that are not acknowledged, the most it may"
                    + " have: acknowledge them, or read again once their visibility timeout passed");
        }
        List<EventStore.StoredEvent> next = events.after(tx, pipelineId, c.delivered(), limit, BATCH_BYTES);
        if (next.isEmpty()) {
            return new Attempt(new Delivery(null, 0, null, next, bounds), c.delivered(), held.nextVisibleAt());
        }
        UUID batchId = UUID.randomUUID();
        ConsumerRepository.Handed h = repository.insertBatch(tx, batchId, c.id(), next.getFirst().seq(), next.getLast().seq(), c.visibility());
        return new Attempt(new Delivery(batchId, h.deliveries(), h.ackDeadline(), next, bounds), next.getLast().seq(), null);
    }

    /* What one try found, and what a wait after it waits for. */
    private record Attempt(Delivery delivery, long delivered, Instant nextVisibleAt) {
    }

    /**
     * Acknowledges one batch: the cursor moves over every batch acknowledged without a gap. The same batch
     * again changes nothing; a batch of another consumer is refused.
     */
    View ack(UUID pipelineId, String name, UUID batchId) {
        repository.transaction(tx -> {
            ConsumerRepository.Locked c = locked(tx, pipelineId, name);
            ConsumerRepository.Owned b = repository.findBatch(tx, batchId).orElseThrow(() -> ApiException.unprocessable("batch_id", "consumer " + name
                    + " holds no batch " + batchId + ": it was never handed out, or was acknowledged more than an hour ago"));
            if (!b.consumer().equals(c.id())) {
                throw ApiException.conflict("Batch " + batchId + " is held by another consumer; a consumer acknowledges only its own batches");
            }
            if (!b.acked()) {
                repository.ack(tx, batchId);
            }
            repository.advance(tx, c.id(), cursorAfterAcks(tx, c.id(), c.cursor()));
            return null;
        });
        return get(pipelineId, name);
    }

    /**
     * Acknowledges every event up to a seq, handed out or not: the cursor moves there at least. This is also how
     * a consumer the retention passed reads on, knowing what it missed.
     */
    View ackUpTo(UUID pipelineId, String name, long upTo) {
        EventStore.Bounds bounds = events.bounds(pipelineId);
        if (upTo > bounds.lastSeq()) {
            throw ApiException.unprocessable("up_to_seq", "the last stored event is seq " + bounds.lastSeq());
        }
        repository.transaction(tx -> {
            ConsumerRepository.Locked c = locked(tx, pipelineId, name);
            repository.ackUpTo(tx, c.id(), upTo);
            repository.advance(tx, c.id(), cursorAfterAcks(tx, c.id(), Math.max(c.cursor(), upTo)));
            return null;
        });
        return get(pipelineId, name);
    }

    /* The cursor moved over the acknowledged batches that follow it without a gap. */
    private long cursorAfterAcks(DbExecute tx, UUID consumerId, long cursor) {
        long at = cursor;
        for (ConsumerRepository.Owned b : repository.batchesAfter(tx, consumerId, cursor)) {
            if (b.range().first() > at + 1 || !b.acked()) {
                break;
            }
            at = Math.max(at, b.range().last());
        }
        return at;
    }

    private ConsumerRepository.Locked locked(DbExecute tx, UUID pipelineId, String name) {
        return repository.lock(tx, pipelineId, name).orElseThrow(() -> missing(pipelineId, name));
    }

    private static ApiException expired(UUID pipelineId, String name, long cursor, EventStore.Bounds bounds) {
        return new ApiException(ProblemType.EVENTS_EXPIRED, "Consumer " + name + " of pipeline " + pipelineId + " acknowledged up to seq "
                + cursor + ", but events " + (cursor + 1) + " to " + (bounds.firstSeq() - 1) + " were deleted by events.retention.max before"
                + " it read them; the oldest available is seq " + bounds.firstSeq() + ". To read on, knowing that those events are gone,"
                + " acknowledge {\"up_to_seq\": " + (bounds.firstSeq() - 1) + "}");
    }

    /* 404: the pipeline's own when it is gone, else this consumer's. */
    private ApiException missing(UUID pipelineId, String name) {
        return events.notFound(pipelineId, "consumer named " + name);
    }
}
