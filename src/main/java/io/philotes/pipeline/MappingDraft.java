package io.philotes.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import jakarta.json.JsonObject;

/**
 * A table mapping in a request after validation: in a pipeline's {@code tables}, added on its own, or
 * changed. Absent fields are null here; where a mapping is created they take their defaults (schema
 * {@code public}, enabled, no settings).
 *
 * @param schema  schema on the source
 * @param table   table on the source
 * @param enabled whether it is captured
 * @param config  its settings
 */
record MappingDraft(String schema, String table, Boolean enabled, JsonObject config) {
    private static final Set<String> FIELDS = Set.of("schema", "table", "enabled", "config");
    private static final Set<String> CHANGEABLE = Set.of("enabled", "config");
    private static final Set<String> READ_ONLY = Set.of("id", "pipeline_id", "created_at");

    /** How a mapping request is read. */
    enum Mode {
        /** a new mapping: table is required. */
        CREATE,
        /** a change: only enabled and config. */
        CHANGE
    }

    /**
     * Validates one mapping.
     *
     * @param body   the JSON object
     * @param mode   which rules apply
     * @param errors where errors are added
     * @param prefix field-name prefix, e.g. {@code tables[3].}
     * @return the draft, or null when it has errors
     */
    static MappingDraft read(JsonObject body, Mode mode, List<FieldError> errors, String prefix) {
        int before = errors.size();
        FieldReader r = new FieldReader(body, errors, prefix);
        if (mode == Mode.CHANGE) {
            for (String key : body.keySet()) {
                if (FIELDS.contains(key) && !CHANGEABLE.contains(key)) {
                    r.error(key, "cannot be changed; delete the mapping and add one for the other table");
                }
            }
        }
        r.onlyFields(FIELDS, READ_ONLY, "a table mapping field (schema, table, enabled, config)");
        String schema = mode == Mode.CREATE ? r.name("schema", false, "public") : null;
        String table = mode == Mode.CREATE ? r.name("table", true, null) : null;
        Boolean enabled = r.bool("enabled");
        JsonObject config = r.object("config");
        if (config != null) {
            ConfigKeys.TABLE.check(config, r, "config");
        }
        return errors.size() == before ? new MappingDraft(schema, table, enabled, config) : null;
    }

    /**
     * Validates a request body that is one mapping.
     *
     * @param body the JSON object
     * @param mode which rules apply
     * @return the draft
     * @throws ApiException validation-error naming every failing field
     */
    static MappingDraft parse(JsonObject body, Mode mode) {
        List<FieldError> errors = new ArrayList<>();
        MappingDraft draft = read(body, mode, errors, "");
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return draft;
    }
}
