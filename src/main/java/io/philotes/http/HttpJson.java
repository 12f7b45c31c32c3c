package io.philotes.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonStructure;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
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
    /* Json.createObjectBuilder() and Json.createParser() look the provider up through ServiceLoader on
       every call; factories made once are much cheaper. */
    private static final JsonBuilderFactory BUILDERS = Json.createBuilderFactory(Map.of());
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
     * A new object builder from the shared factory.
     *
     * @return builder
     */
    public static JsonObjectBuilder object() {
        return BUILDERS.createObjectBuilder();
    }

    /**
     * A new array builder from the shared factory.
     *
     * @return builder
     */
    public static JsonArrayBuilder array() {
        return BUILDERS.createArrayBuilder();
    }

    /**
     * A new array builder holding strings.
     *
     * @param values the strings
     * @return builder
     */
    public static JsonArrayBuilder array(java.util.Collection<String> values) {
        JsonArrayBuilder array = BUILDERS.createArrayBuilder();
        values.forEach(array::add);
        return array;
    }

    /**
     * Adds a field that may be absent: nothing for null, the RFC 3339 form of an instant, else the text.
     *
     * @param object the object being built
     * @param name   field name
     * @param value  the value, or null
     */
    public static void optional(JsonObjectBuilder object, String name, Object value) {
        if (value != null) {
            object.add(name, value instanceof Instant i ? i.toString() : value.toString());
        }
    }

    /**
     * Sends one page of a list: {@code {"<name>": [...], "total_count": N, "next_cursor"?: "..."}}.
     *
     * @param response the response
     * @param name     the list's field name, e.g. {@code sources}
     * @param page     the page
     * @param item     JSON of one item
     * @param <T>      item type
     */
    public static <T> void sendPage(ServerResponse response, String name, PageRequest.Page<T> page, Function<T, JsonValue> item) {
        JsonArrayBuilder items = array();
        page.items().forEach(i -> items.add(item.apply(i)));
        JsonObjectBuilder body = object().add(name, items).add("total_count", page.total());
        page.nextCursor().ifPresent(c -> body.add("next_cursor", c));
        send(response, Status.OK_200, body.build());
    }

    /**
     * Sends a JSON value.
     *
     * @param response the response
     * @param status   status code
     * @param body     the JSON
     */
    public static void send(ServerResponse response, Status status, JsonStructure body) {
        send(response, status, MediaTypes.APPLICATION_JSON, body);
    }

    static void send(ServerResponse response, Status status, MediaType type, JsonStructure body) {
        response.status(status);
        response.headers().contentType(type);
        response.send(serialize(body));
    }

    /*
     * Writes compact RFC 8259 JSON. Parsson's writer allocates a generator and buffers per call, which
     * showed in profiles of small responses; a direct walk over the value tree does not.
     */
    static byte[] serialize(JsonStructure body) {
        StringBuilder out = new StringBuilder(256);
        write(out, body);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, JsonValue value) {
        switch (value.getValueType()) {
            case OBJECT -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonValue> e : value.asJsonObject().entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    quote(out, e.getKey());
                    out.append(':');
                    write(out, e.getValue());
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                boolean first = true;
                for (JsonValue item : value.asJsonArray()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    write(out, item);
                }
                out.append(']');
            }
            case STRING -> quote(out, ((JsonString) value).getString());
            default -> out.append(value);
        }
    }

    /**
     * Appends a JSON string: the one string escaper of the service (responses and stored change events).
     * Runs of plain characters are copied in one go.
     *
     * @param out where to write
     * @param s   the string
     */
    public static void quote(StringBuilder out, String s) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x2028 || c == 0x2029) {
                out.append(s, start, i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> out.append(String.format("\\u%04x", (int) c));
                }
                start = i + 1;
            }
        }
        out.append(s, start, s.length()).append('"');
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
