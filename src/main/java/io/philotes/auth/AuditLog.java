package io.philotes.auth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.philotes.db.DatabaseErrors;
import io.philotes.db.Rows;
import io.philotes.db.Transactions;

/**
 * The audit log: every state-changing request a route served and every one a route turned away. Requests hand
 * their entry to one writer thread that stores them in batches, so the log costs a request no query and never
 * holds it up. An entry that cannot be stored - the queue is full because the database is slow or down, or the
 * service stops before the database is back - is written to the service log instead, so none is lost silently.
 */
public final class AuditLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    private static final int BATCH = 500;
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final DbClient db;
    private final BlockingQueue<AuditEntry> queue = new LinkedBlockingQueue<>(10_000);
    private final Thread writer;
    private volatile boolean closing;

    public AuditLog(DbClient db) {
        this.db = db;
        this.writer = Thread.ofVirtual().name("philotes-audit").start(this::write);
    }

    /**
     * Records one entry.
     *
     * @param entry the entry
     */
    public void record(AuditEntry entry) {
        if (!queue.offer(entry)) {
            unstored(List.of(entry));
        }
    }

    /**
     * A page of the log, oldest first.
     *
     * @param after the last seq already read
     * @param limit most entries
     * @return the entries after it
     */
    List<AuditEntry> list(long after, int limit) {
        try (var rows = db.execute().createNamedQuery("audit-list").addParam("after", after).addParam("limit", limit).execute()) {
            return rows.map(r -> new AuditEntry(r.column("seq").get(Long.class), Rows.instant(r, "at"), Rows.text(r, "key_id"),
                                                Rows.text(r, "key_name"), Rows.text(r, "role"), Rows.text(r, "client"),
                                                Rows.text(r, "method"), Rows.text(r, "path"), Rows.text(r, "resource_id"),
                                                r.column("status").get(Integer.class), Rows.text(r, "request_id"))).toList();
        }
    }

    private void write() {
        List<AuditEntry> batch = new ArrayList<>(BATCH);
        try {
            while (!(closing && queue.isEmpty())) {
                AuditEntry first = queue.poll(RETRY.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                while (!tryStore(batch)) {
                    if (closing) {
                        unstored(batch);
                        break;
                    }
                    Thread.sleep(RETRY);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            unstored(batch);
        }
    }

    private static void unstored(List<AuditEntry> entries) {
        entries.forEach(e -> LOG.log(System.Logger.Level.WARNING, "Audit entry not stored: {0}", e));
    }

    /*
     * One transaction per batch, under the lock that keeps seq order equal to commit order. The lock is waited
     * for at most 2 s (an instance cut off while holding it must not stall the others), the whole at most 10 s.
     */
    private boolean tryStore(List<AuditEntry> batch) {
        try {
            Transactions.inTransaction(db, tx -> {
                tx.namedGet("audit-timeouts");
                tx.namedGet("audit-lock");
                batch.forEach(e -> insert(tx, e));
                return null;
            });
            return true;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Storing {0} audit entries failed (retried in {1} s): {2}", batch.size(), RETRY.toSeconds(),
                    DatabaseErrors.message(e));
            return false;
        }
    }

    private static void insert(DbExecute tx, AuditEntry e) {
        Map<String, Object> p = new HashMap<>();
        p.put("at", OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC));
        p.put("key_id", e.keyId());
        p.put("key_name", e.keyName());
        p.put("role", e.role());
        p.put("client", e.client());
        p.put("method", e.method());
        p.put("path", e.path());
        p.put("resource_id", e.resourceId());
        p.put("status", e.status());
        p.put("request_id", e.requestId());
        tx.createNamedInsert("audit-insert").params(p).execute();
    }

    /** Stores what is queued (trying for a few seconds), then stops; what is left goes to the service log. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(Duration.ofSeconds(5));
            if (writer.isAlive()) {
                writer.interrupt();
                writer.join(Duration.ofSeconds(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<AuditEntry> left = new ArrayList<>();
        queue.drainTo(left);
        unstored(left);
    }
}
