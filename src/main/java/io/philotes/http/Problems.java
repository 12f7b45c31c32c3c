package io.philotes.http;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.core.ApiException;
import io.philotes.core.JsonText;
import io.philotes.core.ProblemType;
import io.philotes.db.DatabaseErrors;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;

/**
 * Turns every failure into an RFC 9457 problem response. Unexpected exceptions are logged with the request
 * id and answered with a generic detail: no stack trace, SQL or secret reaches a client.
 */
public final class Problems {
    private static final System.Logger LOG = System.getLogger(Problems.class.getName());
    private static final String PROBLEM_JSON_TEXT = HttpJson.PROBLEM_JSON.text();

    private Problems() {
    }

    /**
     * Answers with the problem an exception stands for.
     *
     * @param request  the request
     * @param response the response, not yet sent
     * @param error    what went wrong
     */
    public static void handle(ServerRequest request, ServerResponse response, Throwable error) {
        if (error instanceof CloseConnectionException) {
            // The client went away (a stream it stopped reading, a connection it closed): nobody to answer.
            LOG.log(System.Logger.Level.DEBUG, "Request {0}: the connection closed: {1}", RequestId.of(request), error.getMessage());
            return;
        }
        if (response.isSent()) {
            LOG.log(System.Logger.Level.WARNING, "Request " + RequestId.of(request) + " failed after its response was sent", error);
            return;
        }
        if (error instanceof ApiException api) {
            send(request, response, api);
        } else if (DatabaseErrors.isConnectionFailure(error)) {
            LOG.log(System.Logger.Level.WARNING, "Request {0}: metadata database unavailable: {1}", RequestId.of(request), error.getMessage());
            send(request, response, new ApiException(ProblemType.SERVICE_UNAVAILABLE,
                    "The metadata database is unavailable; retry shortly", List.of(), Map.of("Retry-After", "5")));
        } else {
            LOG.log(System.Logger.Level.ERROR, "Request " + RequestId.of(request) + " failed unexpectedly", error);
            send(request, response, new ApiException(ProblemType.INTERNAL_ERROR,
                    "An unexpected error occurred; quote request id " + RequestId.of(request) + " when reporting it"));
        }
    }

    /**
     * Sends one problem response.
     *
     * @param request  the request
     * @param response the response
     * @param problem  the problem
     */
    public static void send(ServerRequest request, ServerResponse response, ApiException problem) {
        String requestId = RequestId.of(request);
        JsonObjectBuilder body = JsonText.object()
                .add("type", problem.type().uri())
                .add("title", problem.type().title())
                .add("status", problem.type().status());
        if (problem.detail() != null) {
            body.add("detail", problem.detail());
        }
        body.add("instance", AccessLog.redacted(request.prologue().uriPath().rawPath()));
        if (!problem.errors().isEmpty()) {
            JsonArrayBuilder errors = JsonText.array();
            problem.errors().forEach(e -> errors.add(JsonText.object().add("field", e.field()).add("message", e.message())));
            body.add("errors", errors);
        }
        body.add("request_id", requestId);
        problem.headers().forEach((name, value) -> response.header(HeaderNames.create(name), value));
        response.header(RequestId.HEADER, requestId);
        HttpJson.send(response, problem.type().status(), HttpJson.PROBLEM_JSON, body.build());
    }

    /**
     * Renders the errors the server answers before routing (a malformed request line, oversized headers)
     * as problems too.
     *
     * @return direct handlers for every event type
     */
    public static DirectHandlers directHandlers() {
        DirectHandler handler = (request, event, status, headers, message) -> {
            String requestId = UUID.randomUUID().toString();
            ProblemType type = ProblemType.forStatus(status.code());
            JsonObjectBuilder body = JsonText.object()
                    .add("type", type.uri())
                    .add("title", type.title())
                    .add("status", status.code())
                    .add("detail", type == ProblemType.INTERNAL_ERROR || message == null || message.isBlank()
                            ? "The request could not be processed as HTTP/1.1" : "The request could not be processed: " + message)
                    .add("instance", request.path() == null || request.path().isEmpty() ? "/" : request.path())
                    .add("request_id", requestId);
            headers.set(HeaderNames.CONTENT_TYPE, PROBLEM_JSON_TEXT);
            headers.set(RequestId.HEADER, requestId);
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .entity(JsonText.serialize(body.build()))
                    .keepAlive(event.keepAlive())
                    .build();
        };
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType event : DirectHandler.EventType.values()) {
            builder.addHandler(event, handler);
        }
        return builder.build();
    }

    /**
     * The last route: nothing matched the path.
     *
     * @param request  the request
     * @param response the response
     */
    public static void notFound(ServerRequest request, ServerResponse response) {
        send(request, response, ApiException.notFound("No resource at " + AccessLog.redacted(request.prologue().uriPath().rawPath())));
    }

    /**
     * A handler for a path that exists but not with the request's method.
     *
     * @param allowed the methods the path supports
     * @return handler answering 405 with {@code Allow}
     */
    public static Handler allow(Method... allowed) {
        String allow = Arrays.stream(allowed).map(Method::text).collect(Collectors.joining(", "));
        return (request, response) -> send(request, response, new ApiException(ProblemType.METHOD_NOT_ALLOWED,
                request.prologue().method().text() + " is not supported here; use " + allow, List.of(), Map.of("Allow", allow)));
    }
}
