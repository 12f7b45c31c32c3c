package io.philotes.http;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.philotes.auth.AuditEntry;
import io.philotes.auth.Principal;
import io.philotes.net.TrustedProxies;

/**
 * The outermost filter: gives the request its id, maps any failure of the inner filters and handlers to
 * a problem (so the log sees the final status), writes one access-log line per request, and hands the
 * requests a route marked (see {@link AuditTarget}) to the audit log. Lines are handed to one writer thread,
 * so request threads never queue on the log handler's lock.
 */
public final class AccessLog implements Filter, AutoCloseable {
    /* java.util.logging directly: logp names the source, which spares a stack walk per line. */
    private static final Logger LOG = Logger.getLogger("io.philotes.access");
    private static final String STOP = new String("stop");
    private static final Pattern KEY = Pattern.compile("phk_([A-Za-z0-9]{12})_[A-Za-z0-9]+");
    private static final int MAX_AUDITED_PATH = 512;

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>(100_000);
    private final Thread writer = Thread.ofVirtual().name("philotes-access-log").start(this::write);
    private final TrustedProxies proxies;
    private final Consumer<AuditEntry> audit;

    /**
     * Starts the log's writer.
     *
     * @param proxies the proxies whose X-Forwarded-For names the client
     * @param audit   takes the audited requests
     */
    public AccessLog(TrustedProxies proxies, Consumer<AuditEntry> audit) {
        this.proxies = proxies;
        this.audit = audit;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        long start = System.nanoTime();
        Instant at = Instant.now();
        RequestId id = RequestId.from(request);
        request.context().register(id);
        response.header(RequestId.HEADER, id.value());
        // Taken now: once a long response's connection is closed, its peer is no longer known.
        String client = ClientAddress.of(request, proxies);
        try {
            chain.proceed();
        } catch (RuntimeException | Error e) {
            Problems.handle(request, response, e);
        } finally {
            Method method = request.prologue().method();
            int status = response.status().code();
            Principal principal = request.context().get(Credentials.class).flatMap(Credentials::checked).orElse(null);
            String keyId = principal == null ? null : principal.keyId();
            String path = redacted(request.prologue().uriPath().rawPath());
            if (LOG.isLoggable(Level.INFO)) {
                long tenths = (System.nanoTime() - start) / 100_000;
                String line = method.text() + ' ' + path + ' ' + status + ' ' + tenths / 10 + '.' + tenths % 10 + "ms client="
                        + client + (keyId == null ? "" : " key=" + keyId) + " request_id=" + id.value();
                if (!lines.offer(line)) {
                    LOG.logp(Level.INFO, "io.philotes.access", "request", line);
                }
            }
            request.context().get(AuditTarget.class).ifPresent(target -> audit.accept(new AuditEntry(
                    0, at, keyId, principal == null ? null : principal.keyName(), principal == null ? null : principal.role().text(),
                    client, method.text(), audited(request.prologue().uriPath().path()), target.resourceId(), status,
                    id.value())));
        }
    }

    /* A key pasted into a path stays out of the logs and of the problem that echoes the path. */
    static String redacted(String path) {
        return path.contains("phk_") ? KEY.matcher(path).replaceAll("phk_$1_***") : path;
    }

    /* The normalized path (what was routed), redacted and cut to a bounded length. */
    private static String audited(String path) {
        String redacted = redacted(path);
        return redacted.length() <= MAX_AUDITED_PATH ? redacted : redacted.substring(0, MAX_AUDITED_PATH) + "...";
    }

    private void write() {
        try {
            while (true) {
                String line = lines.take();
                if (line == STOP) {
                    return;
                }
                LOG.logp(Level.INFO, "io.philotes.access", "request", line);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        lines.offer(STOP);
        try {
            writer.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
