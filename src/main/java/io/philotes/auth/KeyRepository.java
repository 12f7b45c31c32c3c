package io.philotes.auth;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.philotes.core.PageRequest;
import io.philotes.db.Rows;
import io.philotes.db.Transactions;

/** Runs the key statements of {@code sql/statements/auth.sql} and maps their rows. */
public final class KeyRepository {
    private final DbClient db;

    public KeyRepository(DbClient db) {
        this.db = db;
    }

    /**
     * A stored key with the hash its secret is checked against.
     *
     * @param key        the key
     * @param secretHash SHA-256 of the whole key
     */
    record StoredKey(ApiKey key, byte[] secretHash) {
        @Override
        public String toString() {
            return "StoredKey[key=" + key + ", secretHash=***]";
        }
    }

    /** What deleting a key came to. */
    enum Deleted { DELETED, NOT_FOUND, LAST_ADMIN }

    ApiKey insert(String id, KeyDraft draft, byte[] secretHash) {
        return Transactions.inTransaction(db, tx -> {
            ApiKey key = insert(tx, id, draft.name(), draft.role(), secretHash, draft.expiresAt() == null ? null
                    : OffsetDateTime.ofInstant(draft.expiresAt(), ZoneOffset.UTC));
            for (UUID pipeline : draft.pipelineIds()) {
                tx.createNamedInsert("key-pipeline-insert").addParam("key_id", id).addParam("pipeline_id", pipeline).execute();
            }
            return new ApiKey(key.id(), key.name(), key.role(), draft.pipelineIds(), key.createdAt(), key.expiresAt(), key.lastUsedAt());
        });
    }

    Optional<StoredKey> find(String id) {
        return db.execute().createNamedGet("key-by-id").addParam("id", id).execute()
                .map(r -> new StoredKey(key(r), r.column("secret_hash").get(byte[].class)));
    }

    List<ApiKey> list(PageRequest page) {
        Map<String, Object> p = new HashMap<>();
        p.put("after_created", page.after().map(c -> OffsetDateTime.ofInstant(c.createdAt(), ZoneOffset.UTC)).orElse(null));
        p.put("after_id", page.after().map(PageRequest.Cursor::id).orElse(null));
        p.put("limit", page.limit() + 1);
        try (var rows = db.execute().createNamedQuery("key-list").params(p).execute()) {
            return rows.map(KeyRepository::key).toList();
        }
    }

    long count() {
        return db.execute().namedGet("key-count").map(r -> r.column("total").get(Long.class)).orElse(0L);
    }

    /* The admin keys are locked first, so that two deletes at once cannot both pass the last-admin check. */
    Deleted delete(String id) {
        return Transactions.inTransaction(db, tx -> {
            List<String> admins;
            try (var rows = tx.namedQuery("key-admins-lock")) {
                admins = rows.map(r -> r.column("id").get(String.class)).toList();
            }
            if (tx.createNamedGet("key-by-id").addParam("id", id).execute().isEmpty()) {
                return Deleted.NOT_FOUND;
            }
            if (admins.equals(List.of(id))) {
                return Deleted.LAST_ADMIN;
            }
            tx.createNamedDelete("key-delete").addParam("id", id).execute();
            return Deleted.DELETED;
        });
    }

    void touch(String id) {
        db.execute().createNamedUpdate("key-touch").addParam("id", id).execute();
    }

    Set<UUID> existingPipelines(List<UUID> ids) {
        String list = ids.stream().map(UUID::toString).collect(Collectors.joining(","));
        try (var rows = db.execute().createNamedQuery("pipelines-existing").addParam("ids", list).execute()) {
            return rows.map(r -> UUID.fromString(r.column("id").get(String.class))).collect(Collectors.toSet());
        }
    }

    /**
     * Creates an admin key when no usable one exists, one instance at a time.
     *
     * @param id         its id
     * @param name       its name, or that name with the id when another key has it
     * @param secretHash SHA-256 of the key
     * @param before     runs before the key is stored (and is not stored when it fails)
     * @return whether it was created
     */
    boolean createFirstAdmin(String id, String name, byte[] secretHash, Runnable before) {
        return Transactions.inTransaction(db, tx -> {
            tx.namedGet("key-setup-lock");
            try (var rows = tx.namedQuery("key-admins-lock")) {
                if (rows.findAny().isPresent()) {
                    return false;
                }
            }
            boolean nameTaken = tx.createNamedGet("key-name-taken").addParam("name", name).execute().isPresent();
            tx.createNamedDelete("key-delete").addParam("id", id).execute();
            before.run();
            insert(tx, id, nameTaken ? name + "-" + id : name, Role.ADMIN, secretHash, null);
            return true;
        });
    }

    private static ApiKey insert(DbExecute tx, String id, String name, Role role, byte[] secretHash, OffsetDateTime expiresAt) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        p.put("name", name);
        p.put("role", role.text());
        p.put("secret_hash", secretHash);
        p.put("expires_at", expiresAt);
        return tx.createNamedGet("key-insert").params(p).execute().map(KeyRepository::key).orElseThrow();
    }

    private static ApiKey key(DbRow r) {
        String pipelines = r.column("pipeline_ids").asOptional().map(Object::toString).orElse("");
        return new ApiKey(Rows.text(r, "id"), Rows.text(r, "name"), Role.WORDS.stored(Rows.text(r, "role")),
                          pipelines.isEmpty() ? List.of() : Arrays.stream(pipelines.split(",")).map(UUID::fromString).toList(),
                          Rows.instant(r, "created_at"), Optional.ofNullable(Rows.instant(r, "expires_at")),
                          Optional.ofNullable(Rows.instant(r, "last_used_at")));
    }
}
