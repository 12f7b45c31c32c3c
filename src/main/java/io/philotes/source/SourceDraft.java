package io.philotes.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import io.philotes.config.Settings;
import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
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
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(FIELDS, READ_ONLY, "a source field");
        if (r.has("database") && r.has("database_name")) {
            r.error("database_name", "is an alias of database; send only one of them");
        }
        String name = r.text("name", mode == Mode.CREATE, 255, false, s -> { });
        String type = r.text("type", false, 32, false, s -> {
            if (!"postgresql".equals(s)) {
                r.error("type", "must be postgresql, the only supported type");
            }
        });
        String host = r.text("host", mode != Mode.UPDATE, 253, false, s -> {
            if (!HOST.matcher(s).matches()) {
                r.error("host", "must be a host name or IP address only (no scheme, port, path, query or spaces)");
            }
        });
        Long port = r.whole("port", 1, 65535);
        String databaseKey = r.has("database_name") ? "database_name" : "database";
        String database = r.text(databaseKey, mode != Mode.UPDATE, 63, true, s -> {
            if (s.chars().anyMatch(c -> "?&=/\\".indexOf(c) >= 0)) {
                r.error(databaseKey, "must not contain ? & = / or \\");
            }
        });
        String username = r.text("username", mode != Mode.UPDATE, 63, true, s -> { });
        String password = r.secret("password", mode == Mode.CREATE, 1024);
        if (password == null && mode == Mode.TEST && !r.has("password")) {
            r.error("password", "is required");
        }
        String sslMode = r.text("ssl_mode", false, 16, false, s -> {
            if (!Settings.SSL_MODES.contains(s)) {
                r.error("ssl_mode", "must be one of disable, allow, prefer, require, verify-ca, verify-full");
            }
        });
        String slot = identifier(body, r, "slot_name");
        String publication = identifier(body, r, "publication_name");
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return new SourceDraft(name, type, host, port == null ? null : port.intValue(), database, username, password, sslMode, slot,
                               publication);
    }

    /* A slot or publication name; null clears it (returned as ""). */
    private static String identifier(JsonObject body, FieldReader r, String key) {
        JsonValue value = body.get(key);
        if (value == null) {
            return null;
        }
        if (value == JsonValue.NULL) {
            return "";
        }
        if (!(value instanceof JsonString s) || !IDENTIFIER.matcher(s.getString()).matches()) {
            r.error(key, "must be a PostgreSQL identifier: a lower-case letter or _, then up to 62"
                    + " lower-case letters, digits or _ (or null to clear it)");
            return null;
        }
        return s.getString();
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
