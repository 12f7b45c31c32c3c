package io.philotes.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.core.ApiException;
import io.philotes.core.JsonText;
import io.philotes.core.ProblemType;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;

/**
 * Reads request bodies and writes JSON responses. Reading enforces, in this order: a JSON media type
 * (415), the size limit also for chunked bodies (413), well-formed JSON (400) and an object at the top (400).
 */
public final class HttpJson {
    /** {@code application/problem+json}. */
    public static final MediaType PROBLEM_JSON = MediaTypes.create("application", "problem+json");
    /* Json.createParser() looks the provider up through ServiceLoader on every call; a factory made once is
       much cheaper. */
    private static final JsonParserFactory PARSERS = Json.createParserFactory(Map.of());

    private final long bodyLimit;

    /**
     * Creates a reader with a body limit.
     *
     * @param bodyLimit largest accepted body in bytes
     */
    public HttpJson(long bodyLimit) {
        this.bodyLimit = bodyLimit;
    }

    /**
     * Reads the request body as one JSON object.
     *
     * @param request the request
     * @return the object
     * @throws ApiException with 415, 413 or 400 as described on the class
     */
    public JsonObject readObject(ServerRequest request) {
        HttpMediaType contentType = request.headers().contentType().orElse(null);
        if (contentType == null || !isJson(contentType.mediaType())) {
            throw new ApiException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "The request body must be JSON sent with Content-Type: application/json"
                    + (contentType == null ? " (no Content-Type was sent)" : " (got " + contentType.mediaType().text() + ")"));
        }
        String text = readText(request);
        if (text.isBlank()) {
            throw ApiException.badRequest("The request body is empty; a JSON object is expected");
        }
        try (JsonParser parser = PARSERS.createParser(new StringReader(text))) {
            if (parser.next() != JsonParser.Event.START_OBJECT) {
                throw ApiException.badRequest("The request body must be a JSON object");
            }
            JsonObject object = parser.getObject();
            if (parser.hasNext()) {
                throw ApiException.badRequest("The request body has content after its JSON object");
            }
            return object;
        } catch (JsonParsingException e) {
            throw ApiException.badRequest("The request body is not valid JSON (line " + e.getLocation().getLineNumber()
                    + ", column " + e.getLocation().getColumnNumber() + ")");
        } catch (JsonException e) {
            throw ApiException.badRequest("The request body is not valid JSON");
        }
    }

    /**
     * Sends a JSON value.
     *
     * @param response the response
     * @param status   status code
     * @param body     the JSON
     */
    public static void send(ServerResponse response, int status, JsonStructure body) {
        send(response, status, MediaTypes.APPLICATION_JSON, body);
    }

    static void send(ServerResponse response, int status, MediaType type, JsonStructure body) {
        response.status(Status.create(status));
        response.headers().contentType(type);
        response.send(JsonText.serialize(body));
    }

    private String readText(ServerRequest request) {
        if (!request.content().hasEntity()) {
            return "";
        }
        try (InputStream in = request.content().inputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, bodyLimit + 1));
            if (bytes.length > bodyLimit) {
                throw new ApiException(ProblemType.PAYLOAD_TOO_LARGE, "The request body is larger than " + bodyLimit + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isJson(MediaType type) {
        return "application".equals(type.type())
                && ("json".equals(type.subtype()) || type.subtype().endsWith("+json"));
    }
}
