package io.philotes.auth;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * A key to create, after validation.
 *
 * @param name        unique name
 * @param role        its role
 * @param pipelineIds the pipelines of a consumer key (at least one), empty for the other roles
 * @param expiresAt   when it stops working, or null for never
 */
record KeyDraft(String name, Role role, List<UUID> pipelineIds, Instant expiresAt) {
    private static final Set<String> FIELDS = Set.of("name", "role", "pipeline_ids", "expires_at");
    private static final Set<String> READ_ONLY = Set.of("id", "key", "created_at", "last_used_at");
    private static final int MAX_PIPELINES = 100;

    /**
     * Validates a request body.
     *
     * @param body the JSON object
     * @param now  the time expires_at must be after
     * @return the draft
     * @throws ApiException validation-error naming every failing field
     */
    static KeyDraft parse(JsonObject body, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(FIELDS, READ_ONLY, "a key field (name, role, pipeline_ids, expires_at)");
        String name = r.text("name", true, 100, false, s -> { });
        String roleText = r.text("role", true, 20, false, s -> {
            if (Role.WORDS.parse(s).isEmpty()) {
                r.error("role", "must be one of " + Role.WORDS.list());
            }
        });
        Role role = roleText == null ? null : Role.WORDS.parse(roleText).orElse(null);
        List<UUID> pipelines = pipelineIds(body.get("pipeline_ids"), r);
        if (role == Role.CONSUMER && !r.has("pipeline_ids")) {
            r.error("pipeline_ids", "is required for a consumer key: the pipelines whose events it may read");
        } else if (role != null && role != Role.CONSUMER && r.has("pipeline_ids")) {
            r.error("pipeline_ids", "applies only to consumer keys; a " + role.text() + " key reaches every pipeline its role allows");
        }
        Instant expiresAt = expiresAt(body.get("expires_at"), now, r);
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return new KeyDraft(name, role, pipelines, expiresAt);
    }

    private static List<UUID> pipelineIds(JsonValue value, FieldReader r) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_PIPELINES) {
            r.error("pipeline_ids", "must be an array of 1 to " + MAX_PIPELINES + " pipeline ids");
            return null;
        }
        Set<UUID> ids = new LinkedHashSet<>();
        for (int i = 0; i < array.size(); i++) {
            UUID id = array.get(i) instanceof JsonString s ? FieldReader.uuid(s.getString()) : null;
            if (id == null) {
                r.error("pipeline_ids[" + i + "]", "must be a pipeline id (a UUID string)");
            } else if (!ids.add(id)) {
                r.error("pipeline_ids[" + i + "]", "is listed twice");
            }
        }
        return List.copyOf(ids);
    }

    private static Instant expiresAt(JsonValue value, Instant now, FieldReader r) {
        if (value == null || value == JsonValue.NULL) {
            return null;
        }
        if (!(value instanceof JsonString s)) {
            r.error("expires_at", "must be an RFC 3339 timestamp string, e.g. 2027-01-31T00:00:00Z");
            return null;
        }
        try {
            Instant at = OffsetDateTime.parse(s.getString()).toInstant();
            if (!at.isAfter(now)) {
                r.error("expires_at", "must be in the future (it is " + now + " now)");
                return null;
            }
            return at;
        } catch (DateTimeParseException e) {
            r.error("expires_at", "must be an RFC 3339 timestamp with an offset, e.g. 2027-01-31T00:00:00Z");
            return null;
        }
    }
}
