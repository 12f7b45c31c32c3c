package io.philotes.http;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.philotes.core.ApiException;
import io.philotes.core.ProblemType;

/**
 * Rejects early what no handler could serve: a declared body over the size limit (413; chunked bodies are
 * cut off while they are read), and API calls while the metadata database is not ready (503).
 */
public final class RequestGuards implements Filter {
    private static final String API = "/api/";
    private static final Set<String> WITHOUT_DATABASE = Set.of("/api/v1/version", "/api/v1/config");

    private final long bodyLimit;
    private final BooleanSupplier databaseReady;

    /**
     * Creates the guards.
     *
     * @param bodyLimit     largest accepted body in bytes
     * @param databaseReady whether the metadata database can be used now
     */
    public RequestGuards(long bodyLimit, BooleanSupplier databaseReady) {
        this.bodyLimit = bodyLimit;
        this.databaseReady = databaseReady;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        long declared = request.headers().contentLength().orElse(0);
        if (declared > bodyLimit) {
            throw new ApiException(ProblemType.PAYLOAD_TOO_LARGE,
                    "The request body (" + declared + " bytes) is larger than the limit of " + bodyLimit + " bytes");
        }
        String path = request.prologue().uriPath().rawPath();
        if (path.startsWith(API) && !WITHOUT_DATABASE.contains(path) && !databaseReady.getAsBoolean()) {
            throw new ApiException(ProblemType.SERVICE_UNAVAILABLE,
                    "The metadata database is not available; see /health/ready. Retry shortly.",
                    List.of(), Map.of(HeaderNames.RETRY_AFTER.defaultCase(), "5"));
        }
        chain.proceed();
    }
}
