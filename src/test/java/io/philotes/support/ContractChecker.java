package io.philotes.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks responses against the OpenAPI document the service serves: the path and method must be
 * documented (or the answer must be a problem), the status must be listed (or covered by {@code default}),
 * the media type must match and the body must satisfy the schema. Objects are closed unless the schema
 * says otherwise, so a field the document does not list fails the check.
 */
public final class ContractChecker {
    private static final ContractChecker INSTANCE = new ContractChecker(load());

    private final Map<String, Object> document;

    private ContractChecker(Map<String, Object> document) {
        this.document = document;
    }

    public static ContractChecker instance() {
        return INSTANCE;
    }

    /**
     * Checks one response.
     *
     * @param method      HTTP method
     * @param path        request path without query
     * @param status      status code
     * @param contentType response media type, or null
     * @param body        response body text
     * @return problems found, empty when the response conforms
     */
    public List<String> check(String method, String path, int status, String contentType, String body) {
        List<String> errors = new ArrayList<>();
        String mediaType = contentType == null ? null : contentType.split(";")[0].trim().toLowerCase();
        Map<String, Object> operation = operation(method, path);
        Map<String, Object> response = null;
        if (operation != null) {
            Map<String, Object> responses = map(operation.get("responses"));
            Object r = responses.get(String.valueOf(status));
            if (r == null) {
                r = responses.get("default");
            }
            if (r == null) {
                errors.add(method + " " + path + ": status " + status + " is not documented");
                return errors;
            }
            response = resolve(map(r));
        } else if (status >= 400) {
            response = resolve(Map.of("$ref", "#/components/responses/Problem"));
        } else {
            errors.add(method + " " + path + ": the operation is not documented but answered " + status);
            return errors;
        }
        Map<String, Object> content = map(response.get("content"));
        if (content.isEmpty()) {
            if (body != null && !body.isEmpty()) {
                errors.add(method + " " + path + " " + status + ": a body was sent where none is documented");
            }
            return errors;
        }
        if (mediaType == null || !content.containsKey(mediaType)) {
            errors.add(method + " " + path + " " + status + ": media type " + mediaType + " is not one of " + content.keySet());
            return errors;
        }
        Map<String, Object> schema = map(map(content.get(mediaType)).get("schema"));
        if (mediaType.endsWith("json")) {
            JsonValue value;
            try {
                value = Json.createReader(new StringReader(body)).readValue();
            } catch (RuntimeException e) {
                errors.add(method + " " + path + " " + status + ": body is not JSON: " + e.getMessage());
                return errors;
            }
            validate(schema, value, "$", errors);
            errors.replaceAll(e -> method + " " + path + " " + status + ": " + e);
        }
        return errors;
    }

    /**
     * The permissions the document says an operation needs: the names its {@code security} requirements list.
     *
     * @param method   HTTP method
     * @param template the path as the document writes it, e.g. {@code /api/v1/sources/{id}}
     * @return the permission names, empty for an operation with {@code security: []}
     * @throws AssertionError when the operation is undocumented or has no {@code security}
     */
    @SuppressWarnings("unchecked")
    public Set<String> permissions(String method, String template) {
        Map<String, Object> operation = map(map(map(document.get("paths")).get(template)).get(method.toLowerCase()));
        if (!operation.containsKey("security")) {
            throw new AssertionError(method + " " + template + " has no security in the OpenAPI document");
        }
        Set<String> names = new TreeSet<>();
        for (Object requirement : (List<Object>) operation.get("security")) {
            map(requirement).values().forEach(scopes -> names.addAll((List<String>) scopes));
        }
        return names;
    }

    private Map<String, Object> operation(String method, String path) {
        Map<String, Object> paths = map(document.get("paths"));
        String best = null;
        int bestLiterals = -1;
        String[] actual = path.split("/", -1);
        for (String template : paths.keySet()) {
            String[] parts = template.split("/", -1);
            if (parts.length != actual.length) {
                continue;
            }
            int literals = 0;
            boolean match = true;
            for (int i = 0; i < parts.length && match; i++) {
                if (parts[i].startsWith("{") && parts[i].endsWith("}")) {
                    match = !actual[i].isEmpty();
                } else if (parts[i].equals(actual[i])) {
                    literals++;
                } else {
                    match = false;
                }
            }
            if (match && literals > bestLiterals) {
                best = template;
                bestLiterals = literals;
            }
        }
        if (best == null) {
            return null;
        }
        Object op = map(paths.get(best)).get(method.toLowerCase());
        return op == null ? null : map(op);
    }

    @SuppressWarnings("unchecked")
    private void validate(Map<String, Object> schemaIn, JsonValue value, String at, List<String> errors) {
        Map<String, Object> schema = resolve(schemaIn);
        if (schema.containsKey("oneOf") || schema.containsKey("anyOf")) {
            boolean one = schema.containsKey("oneOf");
            List<Object> options = (List<Object>) schema.getOrDefault("oneOf", schema.get("anyOf"));
            int passed = 0;
            for (Object option : options) {
                List<String> sub = new ArrayList<>();
                validate(map(option), value, at, sub);
                if (sub.isEmpty()) {
                    passed++;
                }
            }
            if (one ? passed != 1 : passed == 0) {
                errors.add(at + ": matches " + passed + " of the " + (one ? "oneOf" : "anyOf") + " schemas");
            }
        }
        if (schema.containsKey("allOf")) {
            for (Object part : (List<Object>) schema.get("allOf")) {
                validate(map(part), value, at, errors);
            }
        }
        if (schema.containsKey("const") && !sameValue(schema.get("const"), value)) {
            errors.add(at + ": must be " + schema.get("const") + " but is " + value);
        }
        if (schema.containsKey("enum") && ((List<Object>) schema.get("enum")).stream().noneMatch(e -> sameValue(e, value))) {
            errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
        }
        Object type = schema.get("type");
        if (type == null) {
            return;
        }
        List<Object> types = type instanceof List<?> l ? (List<Object>) l : List.of(type);
        String actual = typeOf(value);
        boolean typeOk = types.contains(actual) || ("integer".equals(actual) && types.contains("number"));
        if (!typeOk) {
            errors.add(at + ": expected " + types + " but got " + actual + " " + value);
            return;
        }
        switch (actual) {
            case "object" -> validateObject(schema, value.asJsonObject(), at, errors);
            case "array" -> {
                JsonArray array = value.asJsonArray();
                if (schema.containsKey("minItems") && array.size() < ((Number) schema.get("minItems")).intValue()) {
                    errors.add(at + ": fewer than " + schema.get("minItems") + " items");
                }
                if (schema.containsKey("items")) {
                    for (int i = 0; i < array.size(); i++) {
                        validate(map(schema.get("items")), array.get(i), at + "[" + i + "]", errors);
                    }
                }
            }
            case "string" -> validateString(schema, ((JsonString) value).getString(), at, errors);
            case "integer", "number" -> {
                BigDecimal n = ((JsonNumber) value).bigDecimalValue();
                if (schema.containsKey("minimum") && n.compareTo(new BigDecimal(schema.get("minimum").toString())) < 0) {
                    errors.add(at + ": " + n + " is below the minimum " + schema.get("minimum"));
                }
                if (schema.containsKey("maximum") && n.compareTo(new BigDecimal(schema.get("maximum").toString())) > 0) {
                    errors.add(at + ": " + n + " is above the maximum " + schema.get("maximum"));
                }
            }
            default -> {
            }
        }
    }

    private void validateObject(Map<String, Object> schema, JsonObject object, String at, List<String> errors) {
        Map<String, Object> properties = map(schema.get("properties"));
        for (Object required : (List<?>) schema.getOrDefault("required", List.of())) {
            if (!object.containsKey(required.toString())) {
                errors.add(at + ": required field '" + required + "' is missing");
            }
        }
        Object additional = schema.getOrDefault("additionalProperties", Boolean.FALSE);
        for (Map.Entry<String, JsonValue> field : object.entrySet()) {
            Object fieldSchema = properties.get(field.getKey());
            if (fieldSchema != null) {
                validate(map(fieldSchema), field.getValue(), at + "." + field.getKey(), errors);
            } else if (additional instanceof Map<?, ?> extra) {
                validate(map(extra), field.getValue(), at + "." + field.getKey(), errors);
            } else if (Boolean.FALSE.equals(additional)) {
                errors.add(at + ": field '" + field.getKey() + "' is not documented");
            }
        }
    }

    private static void validateString(Map<String, Object> schema, String s, String at, List<String> errors) {
        if (schema.containsKey("minLength") && s.codePointCount(0, s.length()) < ((Number) schema.get("minLength")).intValue()) {
            errors.add(at + ": shorter than " + schema.get("minLength"));
        }
        if (schema.containsKey("maxLength") && s.codePointCount(0, s.length()) > ((Number) schema.get("maxLength")).intValue()) {
            errors.add(at + ": longer than " + schema.get("maxLength"));
        }
        if (schema.containsKey("pattern") && !Pattern.compile(schema.get("pattern").toString()).matcher(s).find()) {
            errors.add(at + ": '" + s + "' does not match " + schema.get("pattern"));
        }
        Object format = schema.get("format");
        try {
            if ("date-time".equals(format)) {
                OffsetDateTime.parse(s);
            } else if ("uuid".equals(format)) {
                UUID.fromString(s);
            }
        } catch (RuntimeException e) {
            errors.add(at + ": '" + s + "' is not a " + format);
        }
    }

    private static boolean sameValue(Object expected, JsonValue value) {
        return switch (value.getValueType()) {
            case STRING -> Objects.equals(expected, ((JsonString) value).getString());
            case NUMBER -> expected instanceof Number n && new BigDecimal(n.toString()).compareTo(((JsonNumber) value).bigDecimalValue()) == 0;
            case TRUE -> Boolean.TRUE.equals(expected);
            case FALSE -> Boolean.FALSE.equals(expected);
            case NULL -> expected == null;
            default -> false;
        };
    }

    private static String typeOf(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> "object";
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> ((JsonNumber) value).isIntegral() ? "integer" : "number";
            case TRUE, FALSE -> "boolean";
            case NULL -> "null";
        };
    }

    private Map<String, Object> resolve(Map<String, Object> schema) {
        Map<String, Object> current = schema;
        while (current.containsKey("$ref")) {
            String ref = current.get("$ref").toString();
            Object node = document;
            for (String part : ref.substring(2).split("/")) {
                node = map(node).get(part);
                if (node == null) {
                    throw new IllegalStateException("Unresolvable $ref " + ref);
                }
            }
            current = map(node);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    private static Map<String, Object> load() {
        try (InputStream in = ContractChecker.class.getResourceAsStream("/openapi.yaml")) {
            return new Yaml().load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
