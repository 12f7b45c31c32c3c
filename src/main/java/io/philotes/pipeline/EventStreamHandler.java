package io.philotes.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.auth.Denial;
import io.philotes.auth.Permission;
import io.philotes.cdc.EventStore;
import io.philotes.cdc.NewEvents;
import io.philotes.core.ApiException;
import io.philotes.core.Durations;
import io.philotes.core.FieldError;
import io.philotes.core.JsonText;
import io.philotes.http.ApiRoutes;
import io.philotes.http.RequestIds;
import io.philotes.http.StallGuard;

/**
 * {@code GET /api/v1/pipelines/{id}/events/stream}: a pipeline's events as server-sent events, in seq order, each
 * with {@code id: <seq>}, so that a client that reconnects with {@code Last-Event-ID} goes on after the last one it
 * got, without gap or duplicate. New events are sent as soon as they are stored; a comment is sent after
 * {@code http.stream.heartbeat} without events. The stream holds one small page of events at a time and waits for
 * the client to accept it, so a slow client slows only its own stream; one that accepts nothing for
 * {@code http.stream.stall} is disconnected. Events the retention deletes before the client read them end the
 * stream with an {@code expired} event saying which; the key is checked again before every page and heartbeat, and
 * one revoked or expired meanwhile ends it with an {@code end} event.
 */
public final class EventStreamHandler {
    private static final System.Logger LOG = System.getLogger(EventStreamHandler.class.getName());
    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private static final HeaderName ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");
    /*
     * A page: no more events once their JSON reaches 64 KiB (the first always comes), and at most twice as many as
     * the last page's events of that size, up to 1000 (a page query reads its limit of rows however few it returns).
     */
    private static final int PAGE_EVENTS = 1000;
    private static final long PAGE_BYTES = 64 * 1024;
    private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    private final PipelineService service;
    private final EventStore events;
    private final NewEvents newEvents;
    private final Duration heartbeat;
    private final StallGuard guard;

    public EventStreamHandler(PipelineService service, EventStore events, NewEvents newEvents, Duration heartbeat, StallGuard guard) {
        this.service = service;
        this.events = events;
        this.newEvents = newEvents;
        this.heartbeat = heartbeat;
        this.guard = guard;
    }

    /**
     * Streams the events after {@code Last-Event-ID}, else after {@code after} (0 by default).
     *
     * @param req the request
     * @param res the response
     */
    public void stream(ServerRequest req, ServerResponse res) {
        UUID id = RequestIds.path(req, "id");
        long after = position(req);
        // Before the stream begins, an unknown pipeline is 404 and a position the retention passed is 410.
        List<EventStore.StoredEvent> first = service.events(id, after, PAGE_EVENTS, PAGE_BYTES).events();
        NewEvents.Waiter place;
        try {
            place = newEvents.waiter(ApiRoutes.caller(req));
        } catch (NewEvents.Busy e) {
            throw ApiException.unavailable(e.getMessage(), 1);
        }
        try (place) {
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            res.header(ACCEL_BUFFERING, "no");
            try (OutputStream out = res.outputStream()) {
                send(req, id, after, first, out);
            } catch (IOException | UncheckedIOException | CloseConnectionException e) {
                // The client went away.
                LOG.log(System.Logger.Level.DEBUG, "Event stream of pipeline {0} ended: {1}", id, e.getMessage());
            }
        }
    }

    private void send(ServerRequest req, UUID id, long after, List<EventStore.StoredEvent> first, OutputStream out) throws IOException {
        long at = after;
        int limit = PAGE_EVENTS;
        List<EventStore.StoredEvent> page = first;
        Instant quietSince = Instant.now();
        if (!write(out, "retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII))) {
            return;
        }
        while (true) {
            if (!page.isEmpty()) {
                if (revoked(req, out)) {
                    return;
                }
                if (page.getFirst().seq() > at + 1) {
                    expired(id, at, page.getFirst().seq(), out);
                    return;
                }
                StringBuilder text = new StringBuilder(8192);
                for (EventStore.StoredEvent e : page) {
                    text.append("id: ").append(e.seq()).append("\ndata: ");
                    e.writeJson(text);
                    text.append("\n\n");
                }
                byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                if (!write(out, bytes)) {
                    return;
                }
                limit = (int) Math.clamp(2 * PAGE_BYTES * page.size() / bytes.length + 1, 1, PAGE_EVENTS);
                at = page.getLast().seq();
                quietSince = Instant.now();
            }
            if (newEvents.closed()) {
                return;
            }

            Instant beat = quietSince.plus(heartbeat);
            if (!Instant.now().isBefore(beat)) {
                if (revoked(req, out) || !write(out, HEARTBEAT)) {
                    return;
                }
                quietSince = Instant.now();
                beat = quietSince.plus(heartbeat);
            }
            // The mark before the read: an event stored after the read wakes the wait below.
            long mark = newEvents.mark();
            page = events.after(id, at, limit, PAGE_BYTES);
            if (page.isEmpty()) {
                try {
                    newEvents.await(id, at, mark, beat);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /*
     * The key is checked again before every page and heartbeat (the service's key cache answers, so it costs no query
     * while the key is valid): a key revoked or expired while the stream is open gets no more events.
     */
    private boolean revoked(ServerRequest req, OutputStream out) throws IOException {
        Optional<Denial> denied = ApiRoutes.recheck(req, Permission.EVENTS_READ);
        if (denied.isPresent()) {
            end(out, "end", "The stream's key no longer may read these events: " + denied.get().detail());
            return true;
        }
        return false;
    }

    /* Writes and flushes under the stall guard; false when the client accepted nothing for too long. */
    private boolean write(OutputStream out, byte[] bytes) throws IOException {
        boolean written = guard.run(() -> {
            out.write(bytes);
            out.flush();
        });
        if (!written) {
            LOG.log(System.Logger.Level.WARNING, "An event stream''s client accepted no data for {0}: disconnected (http.stream.stall)",
                    Durations.text(guard.stall()));
        }
        return written;
    }

    private void expired(UUID id, long at, long firstSeq, OutputStream out) throws IOException {
        end(out, "expired", "Events " + (at + 1) + " to " + (firstSeq - 1) + " of pipeline " + id + " were deleted by the retention before"
                + " this stream sent them; the oldest available is seq " + firstSeq + ": connect again with after=" + (firstSeq - 1)
                + ", knowing that those events are gone");
    }

    /* The last message of a stream the service ends: an event of its own name, with what happened. */
    private void end(OutputStream out, String event, String detail) throws IOException {
        StringBuilder data = new StringBuilder("event: ").append(event).append("\ndata: {\"detail\":");
        JsonText.quote(data, detail);
        data.append("}\n\n");
        write(out, data.toString().getBytes(StandardCharsets.UTF_8));
    }

    /* Last-Event-ID (a reconnecting client's) wins over the after parameter; each a seq from 0. */
    private static long position(ServerRequest req) {
        if (req.headers().contains(LAST_EVENT_ID)) {
            return seq(req.headers().get(LAST_EVENT_ID).get().trim(), "Last-Event-ID");
        }
        return req.query().contains("after") ? seq(req.query().get("after"), "after") : 0;
    }

    private static long seq(String text, String name) {
        try {
            long seq = Long.parseLong(text);
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.validation(List.of(new FieldError(name, "must be a whole number from 0 (the seq of the last event received)")));
    }
}
