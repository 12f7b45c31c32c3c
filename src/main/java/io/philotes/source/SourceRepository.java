package io.philotes.source;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.philotes.crypto.SecretBox;
import io.philotes.db.NamedSql;
import io.philotes.db.Row;
import io.philotes.http.PageRequest;

/** Runs the named statements of {@code sql/statements/source.sql} and maps their rows. */
public final class SourceRepository {
    private final NamedSql sql;

    public SourceRepository(NamedSql sql) {
        this.sql = sql;
    }

    Source insert(Source s) {
        return sql.one("source-insert", params(s), SourceRepository::source).orElseThrow();
    }

    /**
     * Finds a source.
     *
     * @param id its id
     * @return the source, if it exists
     */
    public Optional<Source> find(UUID id) {
        return sql.one("source-by-id", Map.of("id", id), SourceRepository::source);
    }

    List<Source> list(String status, PageRequest page) {
        Map<String, Object> p = new HashMap<>();
        p.put("status", status);
        p.put("after_created", page.after().map(c -> OffsetDateTime.ofInstant(c.createdAt(), ZoneOffset.UTC)).orElse(null));
        p.put("after_id", page.after().map(PageRequest.Cursor::id).orElse(null));
        p.put("limit", page.limit() + 1);
        return sql.list("source-list", p, SourceRepository::source);
    }

    long count(String status) {
        Map<String, Object> p = new HashMap<>();
        p.put("status", status);
        return sql.one("source-count", p, r -> r.whole("total")).orElse(0L);
    }

    /* Empty when the row is gone or no longer at the expected version. */
    Optional<Source> update(Source s) {
        return sql.one("source-update", params(s), SourceRepository::source);
    }

    Optional<Source> recordTest(UUID id, String status) {
        return sql.one("source-record-test", Map.of("id", id, "status", status), SourceRepository::source);
    }

    boolean delete(UUID id, int version) {
        return sql.dml("source-delete", Map.of("id", id, "version", version)) == 1;
    }

    List<String> pipelineNames(UUID id) {
        return sql.list("source-pipeline-names", Map.of("id", id), r -> r.text("name"));
    }

    List<SealedSecret> sealedWithOtherKeys(String activeKeyId) {
        return sql.list("source-sealed-with-other-keys", Map.of("active_key_id", activeKeyId),
                r -> new SealedSecret(r.uuid("id"), new SecretBox.Sealed(r.text("password_key_id"), r.bytes("password_ciphertext"))));
    }

    boolean reseal(UUID id, String previousKeyId, SecretBox.Sealed sealed) {
        return sql.dml("source-reseal", Map.of("id", id, "previous_key_id", previousKeyId,
                "password_ciphertext", sealed.bytes(), "password_key_id", sealed.keyId())) == 1;
    }

    private static Map<String, Object> params(Source s) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", s.id());
        p.put("name", s.name());
        p.put("type", s.type());
        p.put("host", s.host());
        p.put("port", s.port());
        p.put("database", s.database());
        p.put("username", s.username());
        p.put("password_ciphertext", s.password().bytes());
        p.put("password_key_id", s.password().keyId());
        p.put("ssl_mode", s.sslMode());
        p.put("slot_name", s.slotName());
        p.put("publication_name", s.publicationName());
        p.put("status", s.status());
        p.put("version", s.version());
        return p;
    }

    private static Source source(Row r) {
        return new Source(r.uuid("id"), r.text("name"), r.text("type"), r.text("host"), r.integer("port"), r.text("database"),
                r.text("username"), new SecretBox.Sealed(r.text("password_key_id"), r.bytes("password_ciphertext")), r.text("ssl_mode"),
                r.text("slot_name"), r.text("publication_name"), r.text("status"), r.instant("last_tested_at"),
                r.instant("created_at"), r.instant("updated_at"), r.integer("version"));
    }

    /**
     * A stored secret awaiting re-encryption.
     *
     * @param id     source id
     * @param sealed the sealed password
     */
    record SealedSecret(UUID id, SecretBox.Sealed sealed) {
    }
}
