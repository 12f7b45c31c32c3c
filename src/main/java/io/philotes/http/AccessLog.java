package io.philotes.http;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.philotes.net.TrustedProxies;

/**
 * The outermost filter: gives the request its id, maps any failure of the inner filters and handlers to
 * a problem (so the log sees the final status), and writes one access-log line per request. Lines are
 * handed to one writer thread, so request threads never queue on the log handler's lock.
 */
public final class AccessLog implements Filter, AutoCloseable {
    /* java.util.logging directly: logp names the source, which spares a stack walk per line. */
    private static final Logger LOG = Logger.getLogger("io.philotes.access");
    private static final String STOP = new String("stop");

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>(100_000);
    private final Thread writer = Thread.ofVirtual().name("philotes-access-log").start(this::write);
    private final TrustedProxies proxies;

    /**
     * Starts the log's writer.
     *
     * @param proxies the proxies whose X-Forwarded-For names the client
     */
    public AccessLog(TrustedProxies proxies) {
        this.proxies = proxies;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        long start = System.nanoTime();
        RequestId id = RequestId.from(request);
        request.context().register(id);
        response.header(RequestId.HEADER, id.value());
        try {
            chain.proceed();
        } catch (RuntimeException | Error e) {
            Problems.handle(request, response, e);
        } finally {
            if (LOG.isLoggable(Level.INFO)) {
                long tenths = (System.nanoTime() - start) / 100_000;
                String line = request.prologue().method().text() + ' ' + request.prologue().uriPath().rawPath() + ' '
                        + response.status().code() + ' ' + tenths / 10 + '.' + tenths % 10 + "ms client=" + ClientAddress.of(request, proxies)
                        + " request_id=" + id.value();
                if (!lines.offer(line)) {
                    LOG.logp(Level.INFO, "io.philotes.access", "request", line);
                }
            }
        }
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
