package io.philotes.core;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import jakarta.json.JsonObject;

/**
 * What a handler reads of a request, in the API's own terms: the web layer parses and checks the HTTP
 * parts (ids, paging, If-Match, the JSON body) and answers a bad one with a precise problem before or while
 * the handler runs.
 */
public interface ApiRequest {
    /**
     * An id from the path.
     *
     * @param name the path parameter, e.g. {@code id}
     * @return the id
     * @throws ApiException bad-request when it is not a UUID
     */
    UUID pathId(String name);

    /**
     * A path parameter as it was sent, for resources whose ids are not UUIDs.
     *
     * @param name the path parameter
     * @return its text
     */
    String path(String name);

    /**
     * A query parameter.
     *
     * @param name its name
     * @return its value, if the request has it
     */
    Optional<String> query(String name);

    /**
     * A whole-number query parameter.
     *
     * @param name         its name
     * @param min          smallest value
     * @param max          largest value
     * @param defaultValue the value without the parameter
     * @return the number
     * @throws ApiException validation-error naming the parameter when it is not a whole number in range
     */
    default long number(String name, long min, long max, long defaultValue) {
        Optional<String> text = query(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text.get());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.validation(List.of(new FieldError(name, "must be a whole number from " + min + " to " + max)));
    }

    /**
     * An id filter from the query.
     *
     * @param name the query parameter, e.g. {@code source_id}
     * @return the id, or null without the parameter
     * @throws ApiException validation-error naming the parameter when it is not a UUID
     */
    UUID queryId(String name);

    /**
     * The page a list request asks for ({@code ?limit=&cursor=}).
     *
     * @return the page request
     * @throws ApiException validation-error for a bad limit, bad-request for a foreign cursor
     */
    PageRequest page();

    /**
     * The body as one JSON object.
     *
     * @return the object
     * @throws ApiException 415 for another media type, 413 beyond the size limit, 400 for anything but an object
     */
    JsonObject body();

    /**
     * The request body of an action whose options may be left out.
     *
     * @return the body as a JSON object, or an empty one when the request has no body
     */
    JsonObject optionalBody();

    /**
     * Who sent the request, for limits per caller.
     *
     * @return the id of its API key, or its client's address when it carried none (access control off)
     */
    String caller();

    /**
     * What the web layer found out about the request before its handler ran: the caller's principal, once its key
     * was checked.
     *
     * @param type the kind of fact
     * @param <T>  its type
     * @return the fact, if the request has it
     */
    <T> Optional<T> fact(Class<T> type);

    /**
     * The version a write is conditional on ({@code If-Match}).
     *
     * @return the version, empty without a condition
     * @throws ApiException bad-request for a tag this API never sent
     */
    OptionalInt ifMatch();
}
