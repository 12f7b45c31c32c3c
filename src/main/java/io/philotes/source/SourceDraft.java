package io.philotes.source;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import io.philotes.config.Settings;
import io.philotes.http.ApiException;
import io.philotes.http.FieldError;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * The fields of a source request after validation, the one place where source input is checked. Create,
 * update and the unsaved test share every rule; a field absent from an update is null here and stays as
 * it was. Every failing field is reported at once.
 *
 * @param name             unique name
 * @param type             database type
 * @param host             host name or IP literal
 * @param port             TCP port
 * @param database         database name
 * @param username         user name
 * @param password         password in the clear
 * @param sslMode          PostgreSQL sslmode
 * @param slotName         replication slot name ("" when explicitly cleared)
 * @param publicationName  publication name ("" when explicitly cleared)
 */
public record SourceDraft(String name, String type, String host, Integer port, String database, String username,
                          String password, String sslMode, String slotName, String publicationName) {
    private static final Set<String> READ_ONLY = Set.of("id", "status", "last_tested_at", "created_at", "updated_at", "version");
    private static final Set<String> FIELDS = Set.of("name", "type", "host", "port", "database", "database_name", "username",
                                                     "password", "ssl_mode", "slot_name", "publication_name");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?"
            + "|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** How strict a request is. */
    public enum Mode {
        /** every required field must be present. */
        CREATE,
        /** absent fields stay as they are. */
        UPDATE,
        /** a connection to test; the name is optional. */
        TEST
    }

    /**
     * Validates a request body.
     *
     * @param body the JSON object
     * @param mode which rules apply
     * @return the draft
     * @throws ApiException validation-error naming every failing field
     */
    public static SourceDraft parse(JsonObject body, Mode mode) {
        List<FieldError> errors = new ArrayList<>();
        for (String key : body.keySet()) {
            if (READ_ONLY.contains(key)) {
                errors.add(new FieldError(key, "is read-only and cannot be set"));
            } else if (!FIELDS.contains(key)) {
                errors.add(new FieldError(key, "is not a source field"));
            }
        }
        if (body.containsKey("database") && body.containsKey("database_name")) {
            errors.add(new FieldError("database_name", "is an alias of database; send only one of them"));
        }
        Reader r = new Reader(body, errors);
        String name = r.text("name", mode == Mode.CREATE, 255, false, s -> { });
        String type = r.text("type", false, 32, false, s -> {
            if (!"postgresql".equals(s)) {
                errors.add(new FieldError("type", "must be postgresql, the only supported type"));
            }
        });
        String host = r.text("host", mode != Mode.UPDATE, 253, false, s -> {
            if (!HOST.matcher(s).matches()) {
                errors.add(new FieldError("host", "must be a host name or IP address only (no scheme, port, path, query or spaces)"));
            }
        });
        Integer port = r.port();
        String databaseKey = body.containsKey("database_name") ? "database_name" : "database";
        String database = r.text(databaseKey, mode != Mode.UPDATE, 63, true, s -> noUrlCharacters(databaseKey, s, errors));
        String username = r.text("username", mode != Mode.UPDATE, 63, true, s -> { });
        String password = r.text("password", mode == Mode.CREATE, 1024, false, s -> { });
        if (password == null && mode == Mode.TEST && !body.containsKey("password")) {
            errors.add(new FieldError("password", "is required"));
        }
        String sslMode = r.text("ssl_mode", false, 16, false, s -> {
            if (!Settings.SSL_MODES.contains(s)) {
                errors.add(new FieldError("ssl_mode", "must be one of disable, allow, prefer, require, verify-ca, verify-full"));
            }
        });
        String slot = r.identifier("slot_name");
        String publication = r.identifier("publication_name");
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return new SourceDraft(name, type, host, port, database, username, password, sslMode, slot, publication);
    }

    private static void noUrlCharacters(String field, String value, List<FieldError> errors) {
        if (value.chars().anyMatch(c -> "?&=/\\".indexOf(c) >= 0)) {
            errors.add(new FieldError(field, "must not contain ? & = / or \\"));
        }
    }

    /* Reads typed fields, adding a precise error for each problem and returning null for a bad field. */
    private record Reader(JsonObject body, List<FieldError> errors) {
        String text(String key, boolean required, int maxLength, boolean bytes, Consumer<String> rule) {
            JsonValue value = body.get(key);
            if (value == null) {
                if (required) {
                    errors.add(new FieldError(key, "is required"));
                }
                return null;
            }
            if (!(value instanceof JsonString s)) {
                errors.add(new FieldError(key, value == JsonValue.NULL ? "must not be null" : "must be a string"));
                return null;
            }
            String text = s.getString();
            int length = bytes ? text.getBytes(StandardCharsets.UTF_8).length : text.codePointCount(0, text.length());
            if (text.isEmpty() && !"password".equals(key)) {
                errors.add(new FieldError(key, "must not be empty"));
            } else if (length > maxLength) {
                errors.add(new FieldError(key, "must be at most " + maxLength + (bytes ? " bytes" : " characters")));
            } else if (text.chars().anyMatch(Character::isISOControl)) {
                errors.add(new FieldError(key, "must not contain control characters"));
            } else if (!"password".equals(key) && !text.equals(text.strip())) {
                errors.add(new FieldError(key, "must not start or end with white space"));
            } else {
                int before = errors.size();
                rule.accept(text);
                return errors.size() == before ? text : null;
            }
            return null;
        }

        Integer port() {
            JsonValue value = body.get("port");
            if (value == null) {
                return null;
            }
            if (!(value instanceof JsonNumber n) || !n.isIntegral()) {
                errors.add(new FieldError("port", "must be a whole number from 1 to 65535"));
                return null;
            }
            long port;
            try {
                port = n.longValueExact();
            } catch (ArithmeticException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                errors.add(new FieldError("port", "must be a whole number from 1 to 65535"));
                return null;
            }
            return (int) port;
        }

        String identifier(String key) {
            JsonValue value = body.get(key);
            if (value == null) {
                return null;
            }
            if (value == JsonValue.NULL) {
                return "";
            }
            if (!(value instanceof JsonString s) || !IDENTIFIER.matcher(s.getString()).matches()) {
                errors.add(new FieldError(key, "must be a PostgreSQL identifier: a lower-case letter or _, then up to 62"
                        + " lower-case letters, digits or _ (or null to clear it)"));
                return null;
            }
            return s.getString();
        }
    }

    /**
     * Whether this draft changes how to connect.
     *
     * @return true when host, port, database, username, password or ssl mode is given
     */
    boolean changesConnection() {
        return host != null || port != null || database != null || username != null || password != null || sslMode != null;
    }

    @Override
    public String toString() {
        return "SourceDraft[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database + ", username="
                + username + ", password=" + (password == null ? "absent" : "***") + "]";
    }
}
