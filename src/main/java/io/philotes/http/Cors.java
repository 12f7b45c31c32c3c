package io.philotes.http;

import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.philotes.core.ApiException;
import io.philotes.core.ProblemType;

/**
 * Cross-origin resource sharing as the contract fixes it: configured origins (default none), the API's
 * methods and headers, exposed {@code X-Request-ID}, {@code ETag} and {@code Location}, 12 h preflight cache.
 */
public final class Cors implements Filter {
    private static final HeaderName REQUEST_METHOD = HeaderNames.create("Access-Control-Request-Method");
    private static final String METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    private static final String HEADERS = "Origin, Content-Type, Accept, Authorization, X-API-Key, X-Request-ID, If-Match";
    private static final String EXPOSED = "X-Request-ID, ETag, Location";
    private static final String MAX_AGE = String.valueOf(12 * 60 * 60);

    private final List<String> origins;
    private final boolean any;

    /**
     * Creates the filter.
     *
     * @param origins allowed origins; {@code *} allows every origin
     */
    public Cors(List<String> origins) {
        this.origins = List.copyOf(origins);
        this.any = origins.contains("*");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        Optional<String> origin = request.headers().first(HeaderNames.ORIGIN);
        if (origin.isEmpty()) {
            chain.proceed();
            return;
        }
        boolean preflight = request.prologue().method() == Method.OPTIONS && request.headers().contains(REQUEST_METHOD);
        if (!any && !origins.contains(origin.get())) {
            if (preflight) {
                throw new ApiException(ProblemType.FORBIDDEN, "Origin " + origin.get() + " is not allowed");
            }
            chain.proceed();
            return;
        }
        response.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, any ? "*" : origin.get());
        if (!any) {
            response.header(HeaderNames.VARY, "Origin");
        }
        if (preflight) {
            response.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
            response.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, HEADERS);
            response.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, MAX_AGE);
            response.status(Status.NO_CONTENT_204).send();
            return;
        }
        response.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
        chain.proceed();
    }
}
