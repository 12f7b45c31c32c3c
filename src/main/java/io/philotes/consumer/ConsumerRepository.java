package io.philotes.consumer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.philotes.db.Rows;
import io.philotes.db.Transactions;

/** Runs the named statements of {@code sql/statements/consumer.sql} and maps their rows. */
public final class ConsumerRepository {
    private final DbClient db;

    public ConsumerRepository(DbClient db) {
        this.db = db;
    }

    <T> T transaction(Function<DbExecute, T> work) {
        return Transactions.inTransaction(db, work::apply);
    }

    long count(UUID pipelineId) {
        return db.execute().createNamedGet("consumer-count").addParam("pipeline_id", pipelineId).execute()
                .map(r -> r.column("total").get(Long.class)).orElse(0L);
    }

    void insert(UUID id, UUID pipelineId, String name, long cursor, Duration visibility) {
        db.execute().createNamedInsert("consumer-insert").params(Map.of("id", id, "pipeline_id", pipelineId, "name", name, "cursor_seq", cursor,
                                                                        "visibility_seconds", seconds(visibility))).execute();
    }

    List<Consumer> list(UUID pipelineId) {
        return query(pipelineId, null);
    }

    Optional<Consumer> find(UUID pipelineId, String name) {
        return query(pipelineId, name).stream().findFirst();
    }

    boolean delete(UUID pipelineId, String name) {
        return db.execute().createNamedDelete("consumer-delete").addParam("pipeline_id", pipelineId).addParam("name", name).execute() > 0;
    }

    /* Finds and locks a consumer's row until the transaction ends. */
    Optional<Locked> lock(DbExecute tx, UUID pipelineId, String name) {
        return tx.createNamedGet("consumer-lock").addParam("pipeline_id", pipelineId).addParam("name", name).execute()
                .map(r -> new Locked(r.column("id").get(UUID.class), r.column("cursor_seq").get(Long.class),
                                     r.column("delivered_seq").get(Long.class),
                                     Duration.ofMillis(r.column("visibility_millis").get(Long.class))));
    }

    /* The batches out with readers, and the oldest one due again, if any. */
    Held held(DbExecute tx, UUID consumerId) {
        return tx.createNamedGet("consumer-batches-held").addParam("consumer_id", consumerId).execute()
                .map(r -> new Held(r.column("held").get(Long.class), Rows.instant(r, "next_visible_at"),
                                   r.column("id").asOptional().isEmpty() ? null : range(r)))
                .orElse(new Held(0, null, null));
    }

    Handed redeliver(DbExecute tx, UUID batchId, Duration visibility) {
        return tx.createNamedGet("consumer-batch-redeliver").addParam("id", batchId).addParam("visibility_seconds", seconds(visibility)).execute()
                .map(ConsumerRepository::handed).orElseThrow();
    }

    Handed insertBatch(DbExecute tx, UUID batchId, UUID consumerId, long first, long last, Duration visibility) {
        return tx.createNamedGet("consumer-batch-insert").params(Map.of("id", batchId, "consumer_id", consumerId, "first_seq", first,
                "last_seq", last, "visibility_seconds", seconds(visibility))).execute().map(ConsumerRepository::handed).orElseThrow();
    }

    Optional<Owned> findBatch(DbExecute tx, UUID batchId) {
        return tx.createNamedGet("consumer-batch-find").addParam("id", batchId).execute()
                .map(r -> new Owned(range(r), r.column("consumer_id").get(UUID.class), r.column("acked").get(Boolean.class)));
    }

    void ack(DbExecute tx, UUID batchId) {
        tx.createNamedUpdate("consumer-batch-ack").addParam("id", batchId).execute();
    }

    void ackUpTo(DbExecute tx, UUID consumerId, long upTo) {
        tx.createNamedUpdate("consumer-batches-ack-up-to").addParam("consumer_id", consumerId).addParam("up_to", upTo).execute();
    }

    /* The batches after a cursor, in order, each with whether it is acknowledged. */
    List<Owned> batchesAfter(DbExecute tx, UUID consumerId, long cursor) {
        try (var rows = tx.createNamedQuery("consumer-batches-after").addParam("consumer_id", consumerId).addParam("cursor_seq", cursor).execute()) {
            return rows.map(r -> new Owned(new Range(null, r.column("first_seq").get(Long.class), r.column("last_seq").get(Long.class)), consumerId,
                                           r.column("acked").get(Boolean.class))).toList();
        }
    }

    /* Moves the cursor (records the acknowledgement) and forgets the batches it passed an hour ago. */
    void advance(DbExecute tx, UUID consumerId, long cursor) {
        tx.createNamedUpdate("consumer-advance").addParam("id", consumerId).addParam("cursor_seq", cursor).execute();
    }

    private List<Consumer> query(UUID pipelineId, String name) {
        Map<String, Object> p = new HashMap<>();
        p.put("pipeline_id", pipelineId);
        p.put("name", name);
        try (var rows = db.execute().createNamedQuery("consumer-list").params(p).execute()) {
            return rows.map(r -> new Consumer(r.column("id").get(UUID.class), r.column("pipeline_id").get(UUID.class), Rows.text(r, "name"),
                                              r.column("cursor_seq").get(Long.class), r.column("delivered_seq").get(Long.class),
                                              Duration.ofMillis(r.column("visibility_millis").get(Long.class)), Rows.instant(r, "created_at"),
                                              Rows.instant(r, "last_ack_at"), Rows.instant(r, "last_delivery_at"),
                                              r.column("batches_held").get(Long.class), Rows.instant(r, "oldest_unacked_at"))).toList();
        }
    }

    private static Range range(DbRow r) {
        return new Range(r.column("id").get(UUID.class), r.column("first_seq").get(Long.class), r.column("last_seq").get(Long.class));
    }

    private static Handed handed(DbRow r) {
        return new Handed(r.column("deliveries").get(Integer.class), Rows.instant(r, "visible_at"));
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /**
     * A consumer's row, locked.
     *
     * @param id         the consumer
     * @param cursor     its cursor
     * @param delivered  the last seq it handed out
     * @param visibility its visibility timeout
     */
    record Locked(UUID id, long cursor, long delivered, Duration visibility) {
    }

    /**
     * A batch's events.
     *
     * @param id    the batch, or null where it does not matter
     * @param first its first seq
     * @param last  its last seq
     */
    record Range(UUID id, long first, long last) {
    }

    /**
     * A batch with the consumer that handed it out.
     *
     * @param range    its events
     * @param consumer the consumer
     * @param acked    whether it is acknowledged
     */
    record Owned(Range range, UUID consumer, boolean acked) {
    }

    /**
     * The batches a consumer's readers hold.
     *
     * @param count         how many
     * @param nextVisibleAt when the first of them is due again, or null
     * @param due           the oldest whose visibility timeout passed, or null
     */
    record Held(long count, Instant nextVisibleAt, Range due) {
    }

    /**
     * A batch as handed out.
     *
     * @param deliveries how often it was handed out, this time included
     * @param ackDeadline when it is delivered again unless acknowledged
     */
    record Handed(int deliveries, Instant ackDeadline) {
    }
}
