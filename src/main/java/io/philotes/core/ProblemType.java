package io.philotes.core;

/** The problem types of the API contract; each has one status, slug and title. */
public enum ProblemType {
    VALIDATION_ERROR(400, "validation-error", "Validation failed"),
    BAD_REQUEST(400, "bad-request", "Bad request"),
    UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
    FORBIDDEN(403, "forbidden", "Forbidden"),
    NOT_FOUND(404, "not-found", "Not found"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    CONFLICT(409, "conflict", "Conflict"),
    PRECONDITION_FAILED(412, "precondition-failed", "Precondition failed"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    EVENTS_EXPIRED(410, "events-expired", "Events expired"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    UNPROCESSABLE_CONTENT(422, "unprocessable-content", "Unprocessable content"),
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    INTERNAL_ERROR(500, "internal-error", "Internal error"),
    SOURCE_UNREACHABLE(502, "source-unreachable", "Source unreachable"),
    SERVICE_UNAVAILABLE(503, "service-unavailable", "Service unavailable");

    /** Prefix of every problem type URI. */
    public static final String BASE_URI = "https://philotes.io/errors/";

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
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
            if (type != VALIDATION_ERROR && type.status == code) {
                return type;
            }
        }
        return code >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
    }

    /**
     * The HTTP status code of this type.
     *
     * @return status code
     */
    public int status() {
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
