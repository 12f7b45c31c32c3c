package io.philotes.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import io.philotes.core.ProblemType;
import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * The fields of a pipeline request after validation, the one place where pipeline input is checked:
 * create and update share every rule. A field absent from an update is null here and stays as it was.
 *
 * @param name     unique name
 * @param sourceId the source
 * @param config   settings, replacing the old ones whole
 * @param tables   the mappings, replacing the old set
 */
record PipelineDraft(String name, UUID sourceId, JsonObject config, List<MappingDraft> tables) {
    private static final Set<String> FIELDS = Set.of("name", "source_id", "config", "tables");
    private static final Set<String> READ_ONLY = Set.of("id", "status", "error_message", "created_at", "updated_at", "started_at",
                                                        "stopped_at", "version", "warnings");

    /** How strict a request is. */
    enum Mode {
        /** name and source_id are required. */
        CREATE,
        /** absent fields stay as they are. */
        UPDATE
    }

    /**
     * Validates a request body.
     *
     * @param body the JSON object
     * @param mode which rules apply
     * @return the draft
     * @throws ApiException validation-error naming every failing field; conflict naming a table that the
     *                      request lists twice
     */
    static PipelineDraft parse(JsonObject body, Mode mode) {
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(FIELDS, READ_ONLY, "a pipeline field (name, source_id, config, tables)");
        String name = r.text("name", mode == Mode.CREATE, 255, false, s -> { });
        UUID sourceId = r.uuid("source_id", mode == Mode.CREATE);
        JsonObject config = r.object("config");
        if (config != null) {
            ConfigKeys.PIPELINE.check(config, r, "config");
        }
        List<MappingDraft> tables = null;
        JsonValue value = body.get("tables");
        if (value instanceof JsonArray array) {
            tables = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                String prefix = r.nested("tables") + "[" + i + "]";
                if (array.get(i) instanceof JsonObject item) {
                    tables.add(MappingDraft.read(item, MappingDraft.Mode.CREATE, errors, prefix + "."));
                } else {
                    errors.add(new FieldError(prefix, "must be an object like {\"schema\": \"public\", \"table\": \"users\"}"));
                }
            }
        } else if (value != null) {
            r.error("tables", "must be an array of table mappings");
        }
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        if (tables != null) {
            noTableTwice(tables);
        }
        return new PipelineDraft(name, sourceId, config, tables);
    }

    /* The contract answers a table listed twice with 409; the errors still name each repeat. */
    private static void noTableTwice(List<MappingDraft> tables) {
        Map<TableName, Integer> first = new HashMap<>();
        List<FieldError> repeats = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            TableName name = new TableName(tables.get(i).schema(), tables.get(i).table());
            Integer earlier = first.putIfAbsent(name, i);
            if (earlier != null) {
                repeats.add(new FieldError("tables[" + i + "]", "repeats tables[" + earlier + "] (" + name + ")"));
            }
        }
        if (!repeats.isEmpty()) {
            throw new ApiException(ProblemType.CONFLICT, "The request lists a table more than once: "
                    + String.join(", ", repeats.stream().map(FieldError::field).toList()), repeats, Map.of());
        }
    }
}
