package io.philotes.cdc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the decoded messages of one replication session into change events: remembers each relation's
 * latest shape (a relation message follows every change of a table's columns, so later events show them)
 * and the current transaction, and types every value by its column's type. Each event carries the version of its
 * table's shape (see {@link SchemaVersions}), recorded when a relation message shows a new one.
 */
final class Changes {
    private final Map<Integer, PgOutput.Relation> relations = new HashMap<>();
    private final Map<Integer, Integer> versions = new HashMap<>();
    private final SchemaVersions schemas;
    private final Connection sql;
    private PgOutput.Begin transaction;

    /** Changes without schema versions (tests of the decoding alone). */
    Changes() {
        this(null, null);
    }

    /**
     * Changes whose events carry the version of their table's shape.
     *
     * @param schemas the pipeline's shapes
     * @param sql     a connection to the source, to read a new shape's types and nullability
     */
    Changes(SchemaVersions schemas, Connection sql) {
        this.schemas = schemas;
        this.sql = sql;
    }

    /**
     * Takes one message.
     *
     * @param message the message
     * @param lsn     the LSN the server sent it at
     * @param out     receives its events (none for Begin, Commit, Relation, ...)
     */
    void accept(PgOutput.Message message, long lsn, List<ChangeEvent> out) {
        switch (message) {
            case PgOutput.Begin b -> transaction = b;
            case PgOutput.Relation r -> {
                relations.put(r.oid(), r);
                if (schemas != null) {
                    try {
                        versions.put(r.oid(), schemas.of(r, sql));
                    } catch (SQLException e) {
                        throw new IllegalStateException("The shape of table " + r.schema() + "." + r.name() + " could not be read from the"
                                + " source's catalog: " + e.getMessage(), e);
                    }
                }
            }
            case PgOutput.Insert i -> {
                PgOutput.Relation r = relation(i.relation());
                out.add(event(r, lsn, "insert", key(r, i.tuple()), null, row(r, i.tuple(), false, null)));
            }
            case PgOutput.Update u -> {
                PgOutput.Relation r = relation(u.relation());
                PgOutput.Tuple old = u.old() != null ? u.old() : u.key();
                RowJson before = old == null ? null : row(r, old, u.old() == null, null);
                // With REPLICA IDENTITY FULL the old row is whole: a TOASTed value the update left alone is taken from it.
                out.add(event(r, lsn, "update", key(r, u.tuple()), before, row(r, u.tuple(), false, u.old())));
            }
            case PgOutput.Delete d -> {
                PgOutput.Relation r = relation(d.relation());
                PgOutput.Tuple old = d.old() != null ? d.old() : d.key();
                out.add(event(r, lsn, "delete", key(r, old), d.old() == null ? null : row(r, d.old(), false, null), null));
            }
            case PgOutput.Truncate t -> {
                for (int oid : t.relations()) {
                    out.add(event(relation(oid), lsn, "truncate", null, null, null));
                }
            }
            case PgOutput.Commit c -> transaction = null;
            case PgOutput.Type ignored -> { }
            case PgOutput.Origin ignored -> { }
            case PgOutput.LogicalMessage ignored -> { }
        }
    }

    private PgOutput.Relation relation(int oid) {
        PgOutput.Relation r = relations.get(oid);
        if (r == null) {
            throw new PgOutput.MalformedMessage("a change of relation " + oid + " came before its relation message");
        }
        return r;
    }

    private ChangeEvent event(PgOutput.Relation r, long lsn, String op, RowJson key, RowJson before, RowJson after) {
        if (transaction == null) {
            throw new PgOutput.MalformedMessage("a change came outside a transaction");
        }
        return new ChangeEvent(lsn, transaction.finalLsn(), transaction.xid(), transaction.commitTime(), r.schema(), r.name(), op,
                               key, before, after, versions.get(r.oid()));
    }

    /*
     * The row; with keysOnly, just its replica identity columns (an old key carries only those). A value left out as
     * unchanged (TOASTed) is taken from the whole old row, when there is one.
     */
    private static RowJson row(PgOutput.Relation r, PgOutput.Tuple t, boolean keysOnly, PgOutput.Tuple old) {
        JsonRow row = new JsonRow();
        int n = Math.min(t.size(), r.columns().size());
        for (int i = 0; i < n; i++) {
            PgOutput.Column c = r.columns().get(i);
            if (keysOnly && !c.key()) {
                continue;
            }
            if (!t.unchanged(i)) {
                row.add(c.name(), c.typeOid(), c.typeModifier(), t.bytes(i));
            } else if (old != null && i < old.size() && !old.unchanged(i)) {
                row.add(c.name(), c.typeOid(), c.typeModifier(), old.bytes(i));
            }
        }
        return row.json();
    }

    private static RowJson key(PgOutput.Relation r, PgOutput.Tuple t) {
        if (t == null) {
            return null;
        }
        JsonRow key = new JsonRow();
        for (int i = 0; i < Math.min(t.size(), r.columns().size()); i++) {
            PgOutput.Column c = r.columns().get(i);
            if (c.key()) {
                key.add(c.name(), c.typeOid(), c.typeModifier(), t.unchanged(i) ? null : t.bytes(i));
            }
        }
        return key.isEmpty() ? null : key.json();
    }
}
