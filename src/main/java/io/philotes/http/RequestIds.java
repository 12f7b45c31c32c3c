package io.philotes.http;

import java.util.List;
import java.util.UUID;

import io.helidon.webserver.http.ServerRequest;
import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;

/** Resource ids in request paths and query parameters: UUIDs in their canonical text form only. */
public final class RequestIds {
    private RequestIds() {
    }

    /**
     * An id from the path.
     *
     * @param request the request
     * @param name    the path parameter, e.g. {@code id}
     * @return the id
     * @throws ApiException bad-request when it is not a UUID
     */
    public static UUID path(ServerRequest request, String name) {
        String text = request.path().pathParameters().get(name);
        UUID id = FieldReader.uuid(text);
        if (id == null) {
            throw ApiException.badRequest("'" + AccessLog.redacted(text) + "' is not a valid id (a UUID is expected)");
        }
        return id;
    }

    /**
     * An id filter from the query.
     *
     * @param request the request
     * @param name    the query parameter, e.g. {@code source_id}
     * @return the id, or null without the parameter
     * @throws ApiException validation-error naming the parameter when it is not a UUID
     */
    public static UUID query(ServerRequest request, String name) {
        if (!request.query().contains(name)) {
            return null;
        }
        UUID id = FieldReader.uuid(request.query().get(name));
        if (id == null) {
            throw ApiException.validation(List.of(new FieldError(name, "must be an id (a UUID)")));
        }
        return id;
    }
}
