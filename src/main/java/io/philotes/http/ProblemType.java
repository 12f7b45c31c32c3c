package io.philotes.http;

import io.helidon.http.Status;

/** The problem types of the API contract; each has one status, slug and title. */
public enum ProblemType {
    VALIDATION_ERROR(Status.BAD_REQUEST_400, "validation-error", "Validation failed"),
    BAD_REQUEST(Status.BAD_REQUEST_400, "bad-request", "Bad request"),
    UNAUTHORIZED(Status.UNAUTHORIZED_401, "unauthorized", "Unauthorized"),
    FORBIDDEN(Status.FORBIDDEN_403, "forbidden", "Forbidden"),
    NOT_FOUND(Status.NOT_FOUND_404, "not-found", "Not found"),
    METHOD_NOT_ALLOWED(Status.METHOD_NOT_ALLOWED_405, "method-not-allowed", "Method not allowed"),
    CONFLICT(Status.CONFLICT_409, "conflict", "Conflict"),
    PRECONDITION_FAILED(Status.PRECONDITION_FAILED_412, "precondition-failed", "Precondition failed"),
    PAYLOAD_TOO_LARGE(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported-media-type", "Unsupported media type"),
    RATE_LIMITED(Status.TOO_MANY_REQUESTS_429, "rate-limited", "Too many requests"),
    INTERNAL_ERROR(Status.INTERNAL_SERVER_ERROR_500, "internal-error", "Internal error"),
    SOURCE_UNREACHABLE(Status.BAD_GATEWAY_502, "source-unreachable", "Source unreachable"),
    SERVICE_UNAVAILABLE(Status.SERVICE_UNAVAILABLE_503, "service-unavailable", "Service unavailable");

    /** Prefix of every problem type URI. */
    public static final String BASE_URI = "https://philotes.io/errors/";

    private final Status status;
    private final String slug;
    private final String title;

    ProblemType(Status status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    /**
     * The general problem type for a status code the server produced itself.
     *
     * @param code HTTP status code
     * @return its type; 400 is a bad request, unknown codes map by class
     */
    public static ProblemType forStatus(int code) {
        for (ProblemType type : values()) {
            if (type != VALIDATION_ERROR && type.status.code() == code) {
                return type;
            }
        }
        return code >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
    }

    public Status status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public String uri() {
        return BASE_URI + slug;
    }
}
