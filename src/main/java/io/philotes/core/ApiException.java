package io.philotes.core;

import java.util.List;
import java.util.Map;

/**
 * A failure that becomes one problem response. Services throw it with a precise detail; the HTTP layer
 * turns it into {@code application/problem+json}. The detail must never contain a secret.
 */
public final class ApiException extends RuntimeException {
    private final ProblemType type;
    private final transient List<FieldError> errors;
    private final transient Map<String, String> headers;

    public ApiException(ProblemType type, String detail) {
        this(type, detail, List.of(), Map.of());
    }

    public ApiException(ProblemType type, String detail, List<FieldError> errors, Map<String, String> headers) {
        super(detail, null, false, false);
        this.type = type;
        this.errors = List.copyOf(errors);
        this.headers = Map.copyOf(headers);
    }

    public static ApiException validation(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? "1 field is invalid: " + errors.getFirst().field()
                : errors.size() + " fields are invalid: " + String.join(", ", errors.stream().map(FieldError::field).toList());
        return new ApiException(ProblemType.VALIDATION_ERROR, detail, errors, Map.of());
    }

    /**
     * 422 for a well-formed field the service cannot act on (a position the retention passed, a refused URL).
     *
     * @param field   the field
     * @param message why
     * @return unprocessable-content naming the field
     */
    public static ApiException unprocessable(String field, String message) {
        return new ApiException(ProblemType.UNPROCESSABLE_CONTENT, "1 field cannot be used: " + field, List.of(new FieldError(field, message)),
                                Map.of());
    }

    /**
     * 503 for a limit that frees up in a moment.
     *
     * @param detail      which limit
     * @param retrySeconds the Retry-After
     * @return service-unavailable with Retry-After
     */
    public static ApiException unavailable(String detail, int retrySeconds) {
        return new ApiException(ProblemType.SERVICE_UNAVAILABLE, detail, List.of(), Map.of("Retry-After", String.valueOf(retrySeconds)));
    }

    public static ApiException notFound(String detail) {
        return new ApiException(ProblemType.NOT_FOUND, detail);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(ProblemType.BAD_REQUEST, detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(ProblemType.CONFLICT, detail);
    }

    /**
     * The problem for a write whose If-Match no longer holds.
     *
     * @param what    the resource, e.g. "source 1b9..."
     * @param current its current version
     * @param given   the version the client had
     * @return precondition-failed
     */
    public static ApiException stale(String what, int current, int given) {
        return new ApiException(ProblemType.PRECONDITION_FAILED,
                what + " is at version " + current + ", not " + given + "; fetch it again and retry");
    }

    public ProblemType type() {
        return type;
    }

    public String detail() {
        return getMessage();
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
