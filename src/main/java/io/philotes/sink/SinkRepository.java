package io.philotes.sink;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.philotes.crypto.SecretBox;
import io.philotes.db.Rows;
import io.philotes.db.Transactions;

/** Runs the named statements of {@code sql/statements/sink.sql} and maps their rows. */
public final class SinkRepository {
    private final DbClient db;

    public SinkRepository(DbClient db) {
        this.db = db;
    }

    <T> T transaction(Function<DbExecute, T> work) {
        return Transactions.inTransaction(db, work::apply);
    }

    long count(UUID pipelineId) {
        return db.execute().createNamedGet("sink-count").addParam("pipeline_id", pipelineId).execute()
                .map(r -> r.column("total").get(Long.class)).orElse(0L);
    }

    void insert(UUID id, UUID pipelineId, SinkDraft d, SecretBox.Sealed headers, SecretBox.Sealed secret, long cursor) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        p.put("pipeline_id", pipelineId);
        p.put("name", d.name());
        p.put("url", d.url().toString());
        p.put("batch_size", d.batchSize());
        p.put("header_names", d.headers().keySet().toArray(String[]::new));
        p.put("headers_key_id", headers == null ? null : headers.keyId());
        p.put("headers_sealed", headers == null ? null : headers.bytes());
        p.put("secret_key_id", secret.keyId());
        p.put("secret_sealed", secret.bytes());
        p.put("cursor_seq", cursor);
        db.execute().createNamedInsert("sink-insert").params(p).execute();
    }

    List<Sink> list(UUID pipelineId) {
        return query(pipelineId, null);
    }

    Optional<Sink> find(UUID pipelineId, String name) {
        return query(pipelineId, name).stream().findFirst();
    }

    boolean delete(UUID pipelineId, String name) {
        return db.execute().createNamedDelete("sink-delete").addParam("pipeline_id", pipelineId).addParam("name", name).execute() > 0;
    }

    Optional<Locked> lock(DbExecute tx, UUID pipelineId, String name) {
        return tx.createNamedGet("sink-lock").addParam("pipeline_id", pipelineId).addParam("name", name).execute()
                .map(r -> new Locked(r.column("id").get(UUID.class), Rows.text(r, "state"), r.column("cursor_seq").get(Long.class)));
    }

    void pause(DbExecute tx, UUID id) {
        tx.createNamedUpdate("sink-pause").addParam("id", id).execute();
    }

    void resume(DbExecute tx, UUID id, long cursor) {
        tx.createNamedUpdate("sink-resume").addParam("id", id).addParam("cursor_seq", cursor).execute();
    }

    void rotate(DbExecute tx, UUID id, SecretBox.Sealed secret, Instant previousUntil) {
        tx.createNamedUpdate("sink-rotate").params(Map.of("id", id, "secret_key_id", secret.keyId(), "secret_sealed", secret.bytes(),
                                                          "until", OffsetDateTime.ofInstant(previousUntil, ZoneOffset.UTC))).execute();
    }

    /* Takes the sinks no instance delivers (or whose instance let its lease run out). */
    List<UUID> claim(UUID owner, Duration lease) {
        try (var rows = db.execute().createNamedQuery("sinks-claim").addParam("owner", owner).addParam("lease_seconds", lease.toSeconds())
                .execute()) {
            return rows.map(r -> r.column("id").get(UUID.class)).toList();
        }
    }

    Optional<Delivering> renew(UUID id, UUID owner, Duration lease) {
        return db.execute().createNamedGet("sink-renew").params(Map.of("id", id, "owner", owner, "lease_seconds", lease.toSeconds())).execute()
                .map(r -> new Delivering(r.column("id").get(UUID.class), r.column("pipeline_id").get(UUID.class), Rows.text(r, "name"),
                        Rows.text(r, "url"), r.column("batch_size").get(Integer.class), sealed(r, "headers_key_id", "headers_sealed"),
                        sealed(r, "secret_key_id", "secret_sealed"), sealed(r, "previous_key_id", "previous_sealed"),
                        Rows.instant(r, "previous_until"), r.column("cursor_seq").get(Long.class), Rows.number(r, "batch_first_seq"),
                        Rows.number(r, "batch_last_seq"), Rows.instant(r, "batch_created_at"), r.column("attempts").get(Integer.class),
                        Rows.instant(r, "next_attempt_at")));
    }

    Optional<Instant> beginBatch(UUID id, UUID owner, long cursor, long first, long last) {
        return db.execute().createNamedGet("sink-batch-begin").params(Map.of("id", id, "owner", owner, "cursor_seq", cursor, "first_seq", first,
                "last_seq", last)).execute().map(r -> Rows.instant(r, "batch_created_at"));
    }

    boolean delivered(UUID id, UUID owner, long cursor, long last) {
        return db.execute().createNamedUpdate("sink-delivered").params(Map.of("id", id, "owner", owner, "cursor_seq", cursor, "last_seq", last))
                .execute() == 1;
    }

    void attemptFailed(UUID id, UUID owner, String error, Duration retryIn) {
        db.execute().createNamedUpdate("sink-attempt-failed").params(Map.of("id", id, "owner", owner, "error", error,
                "retry_seconds", retryIn.toMillis() / 1000.0)).execute();
    }

    void fail(UUID id, String error) {
        db.execute().createNamedUpdate("sink-fail").addParam("id", id).addParam("error", error).execute();
    }

    void release(UUID id, UUID owner) {
        db.execute().createNamedUpdate("sink-release").addParam("id", id).addParam("owner", owner).execute();
    }

    void release(UUID owner) {
        db.execute().createNamedUpdate("sinks-release").addParam("owner", owner).execute();
    }

    /* Every sink's sealed values, for reencrypt-secrets. */
    List<SealedValues> sealedAll() {
        try (var rows = db.execute().namedQuery("sink-sealed-all")) {
            return rows.map(r -> new SealedValues(r.column("id").get(UUID.class), Rows.text(r, "url"), sealed(r, "secret_key_id", "secret_sealed"),
                                                  sealed(r, "headers_key_id", "headers_sealed"), sealed(r, "previous_key_id", "previous_sealed")))
                    .toList();
        }
    }

    boolean reseal(SealedValues read, SealedValues sealed) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", read.id());
        p.put("read_secret_sealed", read.secret().bytes());
        p.put("secret_key_id", sealed.secret().keyId());
        p.put("secret_sealed", sealed.secret().bytes());
        p.put("headers_key_id", sealed.headers() == null ? null : sealed.headers().keyId());
        p.put("headers_sealed", sealed.headers() == null ? null : sealed.headers().bytes());
        p.put("previous_key_id", sealed.previous() == null ? null : sealed.previous().keyId());
        p.put("previous_sealed", sealed.previous() == null ? null : sealed.previous().bytes());
        return db.execute().createNamedUpdate("sink-reseal").params(p).execute() == 1;
    }

    /**
     * A sink's sealed values.
     *
     * @param id       the sink
     * @param url      the URL they are bound to
     * @param secret   its signing secret
     * @param headers  its header values, or null
     * @param previous the secret before its last rotation, or null
     */
    record SealedValues(UUID id, String url, SecretBox.Sealed secret, SecretBox.Sealed headers, SecretBox.Sealed previous) {
    }

    private List<Sink> query(UUID pipelineId, String name) {
        Map<String, Object> p = new HashMap<>();
        p.put("pipeline_id", pipelineId);
        p.put("name", name);
        try (var rows = db.execute().createNamedQuery("sink-list").params(p).execute()) {
            return rows.map(r -> new Sink(r.column("id").get(UUID.class), r.column("pipeline_id").get(UUID.class), Rows.text(r, "name"),
                    Rows.text(r, "url"), r.column("batch_size").get(Integer.class), Rows.strings(r, "header_names"), Rows.text(r, "state"),
                    r.column("cursor_seq").get(Long.class), Rows.number(r, "batch_first_seq"), Rows.number(r, "batch_last_seq"),
                    r.column("attempts").get(Integer.class), Rows.instant(r, "next_attempt_at"), Rows.text(r, "last_error"),
                    Rows.instant(r, "last_error_at"), Rows.instant(r, "last_success_at"), r.column("delivered_events").get(Long.class),
                    Rows.instant(r, "secret_rotated_at"), Rows.instant(r, "previous_until"), Rows.instant(r, "created_at"))).toList();
        }
    }

    private static SecretBox.Sealed sealed(DbRow r, String keyColumn, String bytesColumn) {
        String keyId = Rows.text(r, keyColumn);
        return keyId == null ? null : new SecretBox.Sealed(keyId, r.column(bytesColumn).get(byte[].class));
    }

    /**
     * A sink's row, locked.
     *
     * @param id     the sink
     * @param state  its state
     * @param cursor its cursor
     */
    record Locked(UUID id, String state, long cursor) {
    }

    /**
     * What the instance delivering a sink reads at each renewal of its lease.
     *
     * @param id             the sink
     * @param pipelineId     its pipeline
     * @param name           its name
     * @param url            its URL
     * @param batchSize      events per request at most
     * @param headers        its extra headers, sealed, or null
     * @param secret         its signing secret, sealed
     * @param previous       the secret before the last rotation while it still signs, sealed, or null
     * @param previousUntil  until when it signs
     * @param cursor         every event up to this seq was delivered
     * @param batchFirst     the batch being delivered, or null
     * @param batchLast      its last seq, or null
     * @param batchCreatedAt when it was fixed
     * @param attempts       its failed attempts
     * @param nextAttemptAt  when it may be tried again, or null
     */
    record Delivering(UUID id, UUID pipelineId, String name, String url, int batchSize, SecretBox.Sealed headers, SecretBox.Sealed secret,
                      SecretBox.Sealed previous, Instant previousUntil, long cursor, Long batchFirst, Long batchLast, Instant batchCreatedAt,
                      int attempts, Instant nextAttemptAt) {
    }
}
