package io.philotes.source;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;
import io.philotes.core.PageRequest;
import io.philotes.core.SourceStatus;
import io.philotes.crypto.SecretBox;
import io.philotes.db.Rows;

/** Runs the named statements of {@code sql/statements/source.sql} and maps their rows. */
public final class SourceRepository {
    private final DbClient db;

    public SourceRepository(DbClient db) {
        this.db = db;
    }

    Source insert(Source s) {
        return db.execute().createNamedGet("source-insert").params(params(s)).execute().map(SourceRepository::source).orElseThrow();
    }

    /**
     * Finds a source.
     *
     * @param id its id
     * @return the source, if it exists
     */
    public Optional<Source> find(UUID id) {
        return db.execute().createNamedGet("source-by-id").addParam("id", id).execute().map(SourceRepository::source);
    }

    List<Source> list(SourceStatus status, PageRequest page) {
        Map<String, Object> p = new HashMap<>();
        p.put("status", status == null ? null : status.text());
        p.put("after_created", page.after().map(c -> OffsetDateTime.ofInstant(c.createdAt(), ZoneOffset.UTC)).orElse(null));
        p.put("after_id", page.after().map(PageRequest.Cursor::uuid).orElse(null));
        p.put("limit", page.limit() + 1);
        try (var rows = db.execute().createNamedQuery("source-list").params(p).execute()) {
            return rows.map(SourceRepository::source).toList();
        }
    }

    long count(SourceStatus status) {
        Map<String, Object> p = new HashMap<>();
        p.put("status", status == null ? null : status.text());
        return db.execute().createNamedGet("source-count").params(p).execute().map(r -> r.column("total").get(Long.class)).orElse(0L);
    }

    /* Empty when the row is gone or no longer at the expected version. */
    Optional<Source> update(Source s) {
        return db.execute().createNamedGet("source-update").params(params(s)).execute().map(SourceRepository::source);
    }

    Optional<Source> recordTest(UUID id, SourceStatus status) {
        return db.execute().createNamedGet("source-record-test").params(Map.of("id", id, "status", status.text())).execute()
                .map(SourceRepository::source);
    }

    boolean delete(UUID id, int version) {
        return db.execute().createNamedDelete("source-delete").params(Map.of("id", id, "version", version)).execute() == 1;
    }

    List<String> pipelineNames(UUID id) {
        try (var rows = db.execute().createNamedQuery("source-pipeline-names").addParam("id", id).execute()) {
            return rows.map(r -> r.column("name").get(String.class)).toList();
        }
    }

    List<SealedSecret> sealedAll() {
        try (var rows = db.execute().namedQuery("source-sealed-all")) {
            return rows.map(r -> new SealedSecret(r.column("id").get(UUID.class), Rows.text(r, "host"), r.column("port").get(Integer.class),
                                                  Rows.text(r, "database"), Rows.text(r, "username"), Rows.text(r, "ssl_mode"), sealed(r)))
                    .toList();
        }
    }

    boolean reseal(UUID id, SecretBox.Sealed previous, SecretBox.Sealed sealed) {
        return db.execute().createNamedUpdate("source-reseal").params(Map.of("id", id, "previous_ciphertext", previous.bytes(),
                "password_ciphertext", sealed.bytes(), "password_key_id", sealed.keyId())).execute() == 1;
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
        p.put("status", s.status().text());
        p.put("version", s.version());
        return p;
    }

    private static Source source(DbRow r) {
        return new Source(r.column("id").get(UUID.class), Rows.text(r, "name"), Rows.text(r, "type"), Rows.text(r, "host"),
                          r.column("port").get(Integer.class), Rows.text(r, "database"), Rows.text(r, "username"), sealed(r),
                          Rows.text(r, "ssl_mode"), Rows.text(r, "slot_name"), Rows.text(r, "publication_name"),
                          SourceStatus.WORDS.stored(Rows.text(r, "status")), Rows.instant(r, "last_tested_at"), Rows.instant(r, "created_at"),
                          Rows.instant(r, "updated_at"), r.column("version").get(Integer.class));
    }

    private static SecretBox.Sealed sealed(DbRow r) {
        return new SecretBox.Sealed(Rows.text(r, "password_key_id"), r.column("password_ciphertext").get(byte[].class));
    }

    /**
     * A stored password and the endpoint it is bound to.
     *
     * @param id       source id
     * @param host     host
     * @param port     port
     * @param database database
     * @param username user
     * @param sslMode  TLS setting
     * @param sealed   the sealed password
     */
    record SealedSecret(UUID id, String host, int port, String database, String username, String sslMode, SecretBox.Sealed sealed) {
    }
}
