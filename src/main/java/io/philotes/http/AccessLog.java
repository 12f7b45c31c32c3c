package io.philotes.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The outermost filter: gives the request its id, maps any failure of the inner filters and handlers to
 * a problem (so the log sees the final status), and writes one access-log line per request.
 */
public final class AccessLog implements Filter {
    private static final System.Logger LOG = System.getLogger("io.philotes.access");

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
            if (LOG.isLoggable(System.Logger.Level.INFO)) {
                LOG.log(System.Logger.Level.INFO, "{0} {1} {2,number,#} {3}ms client={4} request_id={5}",
                        request.prologue().method().text(),
                        request.prologue().uriPath().rawPath(),
                        response.status().code(),
                        String.format("%.1f", (System.nanoTime() - start) / 1_000_000.0),
                        request.remotePeer().host(),
                        id.value());
            }
        }
    }
}
