package io.philotes.core;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;

/** Builds and writes JSON: the shared builder factory, optional fields, and the one string escaper of the service. */
public final class JsonText {
    /* Json.createObjectBuilder() looks the provider up through ServiceLoader on every call; a factory made
       once is much cheaper. */
    private static final JsonBuilderFactory BUILDERS = Json.createBuilderFactory(Map.of());

    private JsonText() {
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
    public static JsonArrayBuilder array(Collection<String> values) {
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
     * A JSON object already written (a stored change event, whose rows are stored as JSON text): {@link #serialize}
     * writes it as it is, instead of parsing it into values only to write them again. Only this serializer reads it.
     *
     * @param json the object's compact JSON, on one line
     */
    public record Raw(String json) implements JsonValue {
        @Override
        public ValueType getValueType() {
            return ValueType.OBJECT;
        }

        @Override
        public String toString() {
            return json;
        }
    }

    /*
     * Writes compact RFC 8259 JSON. Parsson's writer allocates a generator and buffers per call, which
     * showed in profiles of small responses; a direct walk over the value tree does not.
     */
    public static byte[] serialize(JsonStructure body) {
        StringBuilder out = new StringBuilder(256);
        write(out, body);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, JsonValue value) {
        if (value instanceof Raw raw) {
            out.append(raw.json());
            return;
        }
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
     * @return whether it has a character beyond Latin-1 (a Java string then takes two bytes a character)
     */
    public static boolean quote(StringBuilder out, String s) {
        out.append('"');
        int start = 0;
        char widest = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            widest = (char) (widest | c);
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
        return widest > 0xff;
    }

}
