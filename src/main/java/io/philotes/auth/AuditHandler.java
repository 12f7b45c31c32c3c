package io.philotes.auth;

import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.JsonText;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;

/** {@code /api/v1/audit}: the audit log, oldest first, read on with {@code after} set to the answer's {@code next_after}. */
public final class AuditHandler {
    private static final int MAX = 1000;
    private static final int DEFAULT = 100;

    private final AuditLog log;

    public AuditHandler(AuditLog log) {
        this.log = log;
    }

    public ApiResponse list(ApiRequest req) {
        long after = req.number("after", 0, Long.MAX_VALUE, 0);
        int limit = (int) req.number("limit", 1, MAX, DEFAULT);
        JsonArrayBuilder entries = JsonText.array();
        long next = after;
        for (AuditEntry e : log.list(after, limit)) {
            JsonObjectBuilder entry = JsonText.object().add("seq", e.seq()).add("at", e.at().toString());
            JsonText.optional(entry, "key_id", e.keyId());
            JsonText.optional(entry, "key_name", e.keyName());
            JsonText.optional(entry, "role", e.role());
            entry.add("client", e.client()).add("method", e.method()).add("path", e.path());
            JsonText.optional(entry, "resource_id", e.resourceId());
            entries.add(entry.add("status", e.status()).add("request_id", e.requestId()));
            next = e.seq();
        }
        return ApiResponse.ok(JsonText.object().add("entries", entries).add("next_after", next).build());
    }
}
