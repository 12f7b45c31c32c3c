package io.philotes.auth;

import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.JsonText;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/** {@code /api/v1/keys}: plain-Java handlers over the key service. A key's secret is in the 201 of its creation only. */
public final class KeyHandler {
    private final KeyService service;

    public KeyHandler(KeyService service) {
        this.service = service;
    }

    public ApiResponse create(ApiRequest req) {
        KeyService.Created created = service.create(KeyDraft.parse(req.body(), Instant.now()));
        JsonObject body = JsonText.object().add("key", fields(created.key()).add("secret", created.secret())).build();
        return ApiResponse.created("/api/v1/keys/" + created.key().id(), body);
    }

    public ApiResponse list(ApiRequest req) {
        return ApiResponse.page("keys", service.list(req.page()), KeyHandler::json);
    }

    public ApiResponse get(ApiRequest req) {
        return ApiResponse.ok(JsonText.object().add("key", json(service.get(req.path("id")))).build());
    }

    /* Who the caller is and what it may do: the console offers only what the key's role holds. */
    public ApiResponse me(ApiRequest req) {
        Principal p = req.fact(Principal.class).orElseThrow(() -> new IllegalStateException("No principal on an authorized request"));
        JsonObjectBuilder b = JsonText.object().add("auth_enabled", p.keyId() != null);
        if (p.keyId() != null) {
            b.add("key_id", p.keyId()).add("key_name", p.keyName());
        }
        b.add("role", p.role().text());
        if (p.role() == Role.CONSUMER) {
            b.add("pipeline_ids", JsonText.array(p.pipelines().stream().map(UUID::toString).sorted().toList()));
        }
        b.add("permissions", JsonText.array(Arrays.stream(Permission.values()).filter(p.role()::has).map(Permission::text).toList()));
        return ApiResponse.ok(b.build());
    }

    public ApiResponse delete(ApiRequest req) {
        service.revoke(req.path("id"));
        return ApiResponse.noContent();
    }

    static JsonObject json(ApiKey k) {
        return fields(k).build();
    }

    private static JsonObjectBuilder fields(ApiKey k) {
        JsonObjectBuilder b = JsonText.object()
                .add("id", k.id())
                .add("name", k.name())
                .add("role", k.role().text());
        if (k.role() == Role.CONSUMER) {
            b.add("pipeline_ids", JsonText.array(k.pipelineIds().stream().map(UUID::toString).toList()));
        }
        b.add("created_at", k.createdAt().toString());
        k.expiresAt().ifPresent(at -> b.add("expires_at", at.toString()));
        k.lastUsedAt().ifPresent(at -> b.add("last_used_at", at.toString()));
        return b;
    }
}
