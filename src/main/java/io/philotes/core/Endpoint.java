package io.philotes.core;

/** A plain-Java handler of one route: it reads the request in the API's terms and answers, or throws an {@link ApiException}. */
@FunctionalInterface
public interface Endpoint {
    /**
     * Handles one request.
     *
     * @param request the request
     * @return the response
     */
    ApiResponse handle(ApiRequest request);
}
