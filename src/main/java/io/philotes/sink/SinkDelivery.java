package io.philotes.sink;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.philotes.cdc.EventStore;
import io.philotes.cdc.NewEvents;
import io.philotes.crypto.SecretBox;
import io.philotes.db.DatabaseErrors;
import io.philotes.http.StallGuard;
import io.philotes.net.HostPolicy;
import io.philotes.net.OwnEndpoints;

/**
 * Delivers the webhook sinks. Each instance takes the sinks no instance holds (a lease in the sink's row, renewed by
 * every step of its delivery, taken over by another instance once its holder stopped renewing it for 30 s, or for
 * sinks.timeout + 15 s when that is longer) and runs one
 * virtual thread per sink, which delivers one batch at a time in seq order: the batch is fixed (its events and its
 * webhook-id) before its first attempt, retried with capped exponential backoff and jitter until a 2xx, and only then
 * does the cursor move, from where this instance read it. A crash between an answer and the cursor's move sends the
 * batch again under the same webhook-id: at least once, in order.
 */
public final class SinkDelivery implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SinkDelivery.class.getName());
    /* A lease outlives the longest request by 10 s, and 30 s at least. */
    private static final Duration MIN_LEASE = Duration.ofSeconds(30);
    private static final Duration LOOK = Duration.ofSeconds(1);
    /* How long a sink with nothing to deliver waits for new events before it renews its lease. */
    private static final Duration IDLE = Duration.ofSeconds(5);
    private static final long BATCH_BYTES = 16L * 1024 * 1024;
    /* How long a receiver may take to send the rest of its answer once its headers came. */
    private static final Duration ANSWER_STALL = Duration.ofSeconds(5);

    private final UUID owner = UUID.randomUUID();
    private final SinkRepository repository;
    private final EventStore events;
    private final NewEvents newEvents;
    private final StallGuard answers = new StallGuard(ANSWER_STALL);
    private final WebhookSender sender;
    private final Duration retryMax;
    private final Duration lease;
    private final Map<UUID, Thread> workers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Creates the delivery; {@link #start()} starts it.
     *
     * @param repository the sinks
     * @param events     the event store
     * @param newEvents  wakes sinks when their pipeline stored events
     * @param secrets    opens the sinks' secrets and headers
     * @param policy     where a sink may deliver, checked before every request
     * @param own        this service's endpoints, never delivered to
     * @param timeout    bound on one request (sinks.timeout)
     * @param retryMax   the longest wait between two attempts (sinks.retry.max)
     */
    public SinkDelivery(SinkRepository repository, EventStore events, NewEvents newEvents, SecretBox secrets, HostPolicy policy,
                        OwnEndpoints own, Duration timeout, Duration retryMax) {
        this.repository = repository;
        this.events = events;
        this.newEvents = newEvents;
        this.sender = new WebhookSender(timeout, secrets, answers, new UrlPolicy(policy, own));
        this.retryMax = retryMax;
        Duration longest = timeout.plus(ANSWER_STALL).plusSeconds(10);
        this.lease = longest.compareTo(MIN_LEASE) > 0 ? longest : MIN_LEASE;
    }

    /** Starts looking for sinks to deliver. */
    public void start() {
        Thread.ofVirtual().name("philotes-sinks").start(() -> {
            while (!closed) {
                try {
                    for (UUID id : repository.claim(owner, lease)) {
                        workers.computeIfAbsent(id, k -> Thread.ofVirtual().name("philotes-sink-" + k).start(() -> deliver(k)));
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Looking for webhook sinks to deliver failed (retried): {0}", DatabaseErrors.message(e));
                }
                pause(LOOK);
            }
        });
    }

    /* One sink's delivery, until it is paused, failed, deleted, taken over, or the service stops. */
    private void deliver(UUID id) {
        try {
            while (!closed) {
                try {
                    Optional<SinkRepository.Delivering> held = repository.renew(id, owner, lease);
                    if (held.isEmpty()) {
                        return;
                    }
                    step(held.get());
                } catch (RuntimeException e) {
                    // A database failure says why; anything else only its kind (a message might quote a secret).
                    LOG.log(System.Logger.Level.WARNING, "Delivering webhook sink {0} failed (retried): {1}", id,
                            DatabaseErrors.driverException(e).isPresent() ? DatabaseErrors.message(e) : e.getClass().getName());
                    pause(LOOK);
                }
            }
        } finally {
            workers.remove(id);
            try {
                repository.release(id, owner);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "Giving back the lease of sink {0} failed; it runs out by itself", id);
            }
        }
    }

    private void step(SinkRepository.Delivering s) {
        Instant now = Instant.now();
        if (s.nextAttemptAt() != null && now.isBefore(s.nextAttemptAt())) {
            Duration wait = Duration.between(now, s.nextAttemptAt());
            pause(wait.compareTo(IDLE) < 0 ? wait : IDLE);
            return;
        }
        long first;
        long last;
        Instant created;
        List<EventStore.StoredEvent> batch;
        if (s.batchFirst() == null) {
            long mark = newEvents.mark();
            batch = events.after(s.pipelineId(), s.cursor(), s.batchSize(), BATCH_BYTES);
            if (batch.isEmpty()) {
                await(s, mark);
                return;
            }
            first = batch.getFirst().seq();
            last = batch.getLast().seq();
            if (first != s.cursor() + 1) {
                expired(s, first);
                return;
            }
            Optional<Instant> begun = repository.beginBatch(s.id(), owner, s.cursor(), first, last);
            if (begun.isEmpty()) {
                return; // changed meanwhile (resumed past it, taken over): read it again
            }
            created = begun.get();
        } else {
            first = s.batchFirst();
            last = s.batchLast();
            created = s.batchCreatedAt();
            batch = events.after(s.pipelineId(), first - 1, (int) Math.min(Integer.MAX_VALUE, last - first + 1), Long.MAX_VALUE).stream()
                    .filter(e -> e.seq() <= last).toList();
            if (batch.isEmpty() || batch.getFirst().seq() != first) {
                expired(s, batch.isEmpty() ? last + 1 : batch.getFirst().seq());
                return;
            }
        }
        WebhookSender.Outcome outcome = sender.send(s, first, last, created, batch);
        if (outcome.delivered()) {
            repository.delivered(s.id(), owner, s.cursor(), last);
        } else if (outcome.gone()) {
            repository.fail(s.id(), outcome.error());
            LOG.log(System.Logger.Level.WARNING, "Webhook sink {0} of pipeline {1} failed: {2}", s.name(), s.pipelineId(), outcome.error());
        } else {
            Duration retry = backoff(s.attempts() + 1);
            repository.attemptFailed(s.id(), owner, outcome.error(), retry);
            LOG.log(System.Logger.Level.INFO, "Webhook sink {0} of pipeline {1}: attempt {2} failed ({3}); retried in {4} ms", s.name(),
                    s.pipelineId(), s.attempts() + 1, outcome.error(), retry.toMillis());
        }
    }

    /* 1 s, 2 s, 4 s ... up to sinks.retry.max, each between half and all of it (jitter: retries of many sinks spread out). */
    Duration backoff(int attempt) {
        long capped = Math.min(retryMax.toMillis(), 1000L << Math.min(attempt - 1, 30));
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private void expired(SinkRepository.Delivering s, long firstKept) {
        String error = "events " + (s.cursor() + 1) + " to " + (firstKept - 1) + " were deleted by the retention before this sink delivered"
                + " them; resume it with {\"skip_expired\": true} to go on without them";
        repository.fail(s.id(), error);
        LOG.log(System.Logger.Level.WARNING, "Webhook sink {0} of pipeline {1} failed: {2}", s.name(), s.pipelineId(), error);
    }

    private void await(SinkRepository.Delivering s, long mark) {
        if (newEvents.closed()) {
            pause(LOOK); // the service stops: nothing wakes the sink any more, and it must not spin
            return;
        }
        try {
            newEvents.await(s.pipelineId(), s.cursor(), mark, Instant.now().plus(IDLE));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /* Stops delivering, waits a moment for the requests in flight, and gives the leases back for another instance. */
    @Override
    public void close() {
        // Nothing is interrupted: a thread interrupted in a statement would close its pooled connection.
        closed = true;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (Thread worker : workers.values()) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    worker.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        answers.close();
        try {
            repository.release(owner);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Giving back the sinks' leases failed; they run out in {0} s", lease.toSeconds());
        }
    }
}
