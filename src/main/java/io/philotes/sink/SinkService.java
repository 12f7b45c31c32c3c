package io.philotes.sink;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.philotes.cdc.EventStore;
import io.philotes.core.ApiException;
import io.philotes.core.JsonText;
import io.philotes.core.ProblemType;
import io.philotes.crypto.SecretBox;
import io.philotes.db.DatabaseErrors;
import io.philotes.net.HostPolicy;
import io.philotes.net.OwnEndpoints;
import jakarta.json.JsonObjectBuilder;

/**
 * The rules of webhook sinks: unique names, a URL the host policy allows (checked again before every request), a
 * signing secret shown once and sealed at rest, pause, resume and secret rotation with an overlap. Delivery itself is
 * {@link SinkDelivery}'s.
 */
public final class SinkService {
    static final int MAX_SINKS = 20;
    static final Duration MAX_OVERLAP = Duration.ofDays(7);

    private final SinkRepository repository;
    private final EventStore events;
    private final SecretBox secrets;
    private final UrlPolicy urls;

    public SinkService(SinkRepository repository, EventStore events, SecretBox secrets, HostPolicy policy, OwnEndpoints own) {
        this.repository = repository;
        this.events = events;
        this.secrets = secrets;
        this.urls = new UrlPolicy(policy, own);
    }

    /**
     * A sink with its pipeline's bounds.
     *
     * @param sink   the sink
     * @param bounds the pipeline's events
     * @param secret its signing secret, only right after it was made
     */
    record View(Sink sink, EventStore.Bounds bounds, String secret) {
        long lagEvents() {
            return Math.max(0, bounds.lastSeq() - sink.cursor());
        }
    }

    View create(UUID pipelineId, SinkDraft d) {
        events.requirePipeline(pipelineId);
        if (repository.count(pipelineId) >= MAX_SINKS) {
            throw ApiException.conflict("Pipeline " + pipelineId + " has " + MAX_SINKS + " sinks, the most it may have; delete one first");
        }
        urls.refusal(d.url()).ifPresent(reason -> {
            throw ApiException.unprocessable("url", reason);
        });
        UUID id = UUID.randomUUID();
        String url = d.url().toString();
        String secret = Signing.newSecret();
        SecretBox.Sealed headers = null;
        if (!d.headers().isEmpty()) {
            JsonObjectBuilder h = JsonText.object();
            d.headers().forEach(h::add);
            headers = secrets.seal(h.build().toString(), Signing.binding("headers", id, url));
        }
        // A new sink delivers what is stored from now on.
        long cursor = events.bounds(pipelineId).lastSeq();
        try {
            repository.insert(id, pipelineId, d, headers, secrets.seal(secret, Signing.binding("secret", id, url)), cursor);
        } catch (RuntimeException e) {
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.UNIQUE_VIOLATION)) {
                throw ApiException.conflict("Pipeline " + pipelineId + " already has a sink named " + d.name());
            }
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.FOREIGN_KEY_VIOLATION)) {
                throw EventStore.pipelineNotFound(pipelineId);
            }
            throw e;
        }
        View v = get(pipelineId, d.name());
        return new View(v.sink(), v.bounds(), secret);
    }

    List<View> list(UUID pipelineId) {
        events.requirePipeline(pipelineId);
        EventStore.Bounds bounds = events.bounds(pipelineId);
        return repository.list(pipelineId).stream().map(s -> new View(s, bounds, null)).toList();
    }

    View get(UUID pipelineId, String name) {
        Sink s = repository.find(pipelineId, name).orElseThrow(() -> missing(pipelineId, name));
        return new View(s, events.bounds(pipelineId), null);
    }

    void delete(UUID pipelineId, String name) {
        if (!repository.delete(pipelineId, name)) {
            throw missing(pipelineId, name);
        }
    }

    View pause(UUID pipelineId, String name) {
        repository.transaction(tx -> {
            SinkRepository.Locked s = repository.lock(tx, pipelineId, name).orElseThrow(() -> missing(pipelineId, name));
            if (s.state().equals("failed")) {
                throw ApiException.conflict("Sink " + name + " has failed; resume it instead (see its last_error)");
            }
            repository.pause(tx, s.id());
            return null;
        });
        return get(pipelineId, name);
    }

    /*
     * Delivery goes on at once. A sink whose undelivered events the retention deleted goes on after the gap only when
     * the caller says so: nothing is skipped silently.
     */
    View resume(UUID pipelineId, String name, boolean skipExpired) {
        EventStore.Bounds bounds = events.bounds(pipelineId);
        repository.transaction(tx -> {
            SinkRepository.Locked s = repository.lock(tx, pipelineId, name).orElseThrow(() -> missing(pipelineId, name));
            long cursor = s.cursor();
            if (bounds.expiredAfter(cursor)) {
                if (!skipExpired) {
                    throw new ApiException(ProblemType.EVENTS_EXPIRED, "Events " + (cursor + 1) + " to " + (bounds.firstSeq() - 1) + " that sink "
                            + name + " had not delivered were deleted by the retention; to go on from seq " + bounds.firstSeq()
                            + " without them, resume with {\"skip_expired\": true}");
                }
                cursor = bounds.firstSeq() - 1;
            }
            repository.resume(tx, s.id(), cursor);
            return null;
        });
        return get(pipelineId, name);
    }

    /* A new secret, shown once; the one it replaces signs beside it for the overlap, so receivers can switch without a gap. */
    View rotateSecret(UUID pipelineId, String name, Duration overlap) {
        String secret = Signing.newSecret();
        repository.transaction(tx -> {
            SinkRepository.Locked s = repository.lock(tx, pipelineId, name).orElseThrow(() -> missing(pipelineId, name));
            String url = repository.find(pipelineId, name).orElseThrow().url();
            repository.rotate(tx, s.id(), secrets.seal(secret, Signing.binding("secret", s.id(), url)), Instant.now().plus(overlap));
            return null;
        });
        View v = get(pipelineId, name);
        return new View(v.sink(), v.bounds(), secret);
    }

    /**
     * Moves every sink's secrets and header values to the active key (reencrypt-secrets), one sink at a time.
     *
     * @return how many sinks moved, and the ids of those whose values open with no configured key
     */
    public Reencrypted reencryptAll() {
        int moved = 0;
        List<UUID> unreadable = new ArrayList<>();
        for (SinkRepository.SealedValues v : repository.sealedAll()) {
            try {
                SinkRepository.SealedValues sealed = new SinkRepository.SealedValues(v.id(), v.url(), again(v.secret(), "secret", v),
                        again(v.headers(), "headers", v), again(v.previous(), "secret", v));
                boolean stale = !v.secret().keyId().equals(secrets.activeKeyId())
                        || v.headers() != null && !v.headers().keyId().equals(secrets.activeKeyId())
                        || v.previous() != null && !v.previous().keyId().equals(secrets.activeKeyId());
                if (stale && repository.reseal(v, sealed)) {
                    moved++;
                }
            } catch (SecretBox.SecretBoxException e) {
                unreadable.add(v.id());
            }
        }
        return new Reencrypted(moved, List.copyOf(unreadable));
    }

    /* A sealed value opened and sealed with the active key (the same when it uses it already). */
    private SecretBox.Sealed again(SecretBox.Sealed sealed, String what, SinkRepository.SealedValues v) {
        if (sealed == null) {
            return null;
        }
        String binding = Signing.binding(what, v.id(), v.url());
        String plaintext = secrets.open(sealed, binding);
        return sealed.keyId().equals(secrets.activeKeyId()) ? sealed : secrets.seal(plaintext, binding);
    }

    /**
     * What a re-encryption did.
     *
     * @param moved      sinks moved
     * @param unreadable sinks whose values open with no configured key
     */
    public record Reencrypted(int moved, List<UUID> unreadable) {
    }

    /* 404: the pipeline's own when it is gone, else this sink's. */
    private ApiException missing(UUID pipelineId, String name) {
        return events.notFound(pipelineId, "sink named " + name);
    }
}
