package io.philotes.cdc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.helidon.dbclient.DbClient;
import io.philotes.core.JsonText;
import io.philotes.db.DatabaseErrors;
import io.philotes.db.Rows;
import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;

/**
 * The versions of a pipeline's tables' shapes. A shape is a table's published columns in order with their types, type
 * modifiers and membership in the replica identity - what the stream's relation messages say, and what decides how
 * its values are typed in JSON. Each shape a table was seen in is one version, numbered from 1 in the order they were
 * first seen, and recorded before the first event in it is stored, so every stored event's {@code schema_version}
 * names a recorded shape. A shape seen again (the stream replaying WAL from before a change the copier already saw,
 * or after a crash) is its earlier version. The stream and the table copier both ask, from their own threads.
 */
final class SchemaVersions {
    private static final int ATTEMPTS = 3;
    private final DbClient db;
    private final ReplicationObjects objects;
    private final UUID pipelineId;
    /* Per table: each shape seen, with its version. */
    private final Map<TableName, Map<String, Integer>> versions = new HashMap<>();

    /**
     * One column as a relation message or the catalog describes it.
     *
     * @param name         its name
     * @param typeOid      its type
     * @param typeModifier its type modifier
     * @param key          whether it belongs to the replica identity
     */
    record Column(String name, int typeOid, int typeModifier, boolean key) {
    }

    private SchemaVersions(DbClient db, ReplicationObjects objects, UUID pipelineId) {
        this.db = db;
        this.objects = objects;
        this.pipelineId = pipelineId;
    }

    /**
     * The versions recorded so far.
     *
     * @param db         the metadata database
     * @param objects    the source statements
     * @param pipelineId the pipeline
     * @return the versions
     */
    static SchemaVersions load(DbClient db, ReplicationObjects objects, UUID pipelineId) {
        SchemaVersions v = new SchemaVersions(db, objects, pipelineId);
        try (var rows = db.execute().createNamedQuery("schema-versions-all").addParam("pipeline_id", pipelineId).execute()) {
            rows.forEach(r -> v.versions.computeIfAbsent(new TableName(Rows.text(r, "schema_name"), Rows.text(r, "table_name")), t -> new HashMap<>())
                    .put(Rows.text(r, "shape"), r.column("version").get(Integer.class)));
        }
        return v;
    }

    /**
     * The version of a relation message's shape; a new one is recorded first, with its types' names and (where the
     * catalog still shows the column as the message does) its nullability read from the source over the connection.
     *
     * @param r   the relation message
     * @param sql a connection to the source
     * @return its version
     * @throws SQLException when the source or the metadata database cannot be asked
     */
    int of(PgOutput.Relation r, Connection sql) throws SQLException {
        List<Column> columns = new ArrayList<>();
        for (PgOutput.Column c : r.columns()) {
            columns.add(new Column(c.name(), c.typeOid(), c.typeModifier(), c.key()));
        }
        return of(new TableName(r.schema(), r.name()), columns, sql);
    }

    /**
     * The version of a table's shape as the catalog says it now (the copier asks, in its chunk's transaction).
     *
     * @param table the table
     * @param sql   a connection to the source
     * @return its version, or null when the table has no columns (it is gone)
     * @throws SQLException when the source or the metadata database cannot be asked
     */
    Integer of(TableName table, Connection sql) throws SQLException {
        List<Column> columns = new ArrayList<>();
        for (Catalog c : catalog(sql, table)) {
            columns.add(c.column());
        }
        return columns.isEmpty() ? null : of(table, columns, sql);
    }

    /**
     * The latest version of a table's shape (the one seen last for the first time), without asking anyone.
     *
     * @param table the table
     * @return the version, or null before the first
     */
    synchronized Integer current(TableName table) {
        Map<String, Integer> known = versions.get(table);
        return known == null || known.isEmpty() ? null : known.values().stream().max(Integer::compare).orElseThrow();
    }

    private synchronized int of(TableName table, List<Column> shaped, Connection sql) throws SQLException {
        StringBuilder text = new StringBuilder();
        shaped.forEach(c -> shape(text, c));
        String shape = text.toString();
        Integer known = versions.getOrDefault(table, Map.of()).get(shape);
        if (known != null) {
            return known;
        }
        String columns = columns(shaped, sql, table);
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Integer latest = current(table);
                int version = latest == null ? 1 : latest + 1;
                boolean recorded = db.execute().createNamedGet("schema-version-insert").params(Map.of("pipeline_id", pipelineId,
                        "schema_name", table.schema(), "table_name", table.table(), "version", version, "shape", shape, "columns", columns))
                        .execute().isPresent();
                if (recorded) {
                    versions.computeIfAbsent(table, t -> new HashMap<>()).put(shape, version);
                    return version;
                }
                // Another owner of the pipeline recorded that version, or this shape, first: read the table's versions again.
                Map<String, Integer> again = new HashMap<>();
                try (var rows = db.execute().createNamedQuery("schema-versions-of-table").params(Map.of("pipeline_id", pipelineId,
                        "schema_name", table.schema(), "table_name", table.table())).execute()) {
                    rows.forEach(r -> again.put(Rows.text(r, "shape"), r.column("version").get(Integer.class)));
                }
                versions.put(table, again);
                if (again.containsKey(shape)) {
                    return again.get(shape);
                }
            }
        } catch (RuntimeException e) {
            throw new SQLException("Recording a new shape of table " + table + " failed: " + DatabaseErrors.message(e), e);
        }
        throw new SQLException("Recording a new shape of table " + table + " lost to other writers " + ATTEMPTS + " times");
    }

    /*
     * The columns as GET /schema shows them: the type's name from the shape's own type and modifier; nullability from
     * the catalog only where it shows the column as the shape does (a stream behind the catalog may see an older one).
     */
    private String columns(List<Column> shaped, Connection sql, TableName table) throws SQLException {
        Map<String, Catalog> now = new HashMap<>();
        catalog(sql, table).forEach(c -> now.put(c.column().name(), c));
        List<String> typeNames = typeNames(sql, shaped);
        JsonArrayBuilder out = JsonText.array();
        for (int i = 0; i < shaped.size(); i++) {
            Column c = shaped.get(i);
            JsonObjectBuilder column = JsonText.object().add("name", c.name()).add("type", typeNames.get(i)).add("type_oid", c.typeOid())
                    .add("type_modifier", c.typeModifier()).add("json_type", ColumnValues.jsonType(c.typeOid(), c.typeModifier()));
            Catalog seen = now.get(c.name());
            if (seen != null && seen.column().typeOid() == c.typeOid() && seen.column().typeModifier() == c.typeModifier()) {
                column.add("nullable", seen.nullable());
            }
            out.add(column.add("key", c.key()));
        }
        return out.build().toString();
    }

    private List<String> typeNames(Connection sql, List<Column> shaped) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement(objects.statement("cdc-type-names"))) {
            Array oids = sql.createArrayOf("int4", shaped.stream().map(Column::typeOid).toArray());
            Array modifiers = sql.createArrayOf("int4", shaped.stream().map(Column::typeModifier).toArray());
            ps.setArray(1, oids);
            ps.setArray(2, modifiers);
            List<String> names = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString("name"));
                }
            }
            return names;
        }
    }

    /* A column as the catalog shows it now, with its nullability. */
    private record Catalog(Column column, boolean nullable) {
    }

    private List<Catalog> catalog(Connection sql, TableName table) throws SQLException {
        List<Catalog> columns = new ArrayList<>();
        try (PreparedStatement ps = sql.prepareStatement(objects.statement("cdc-table-shape"))) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Catalog(new Column(rs.getString("name"), rs.getInt("type_oid"), rs.getInt("type_modifier"),
                                                       rs.getBoolean("key")), rs.getBoolean("nullable")));
                }
            }
        }
        return columns;
    }

    /* One line per column: name, type oid, type modifier, key or not - tab-separated (names may hold anything but NUL). */
    private static void shape(StringBuilder out, Column c) {
        out.append(c.name().replace("\t", "\\t").replace("\n", "\\n")).append('\t').append(c.typeOid()).append('\t').append(c.typeModifier())
                .append('\t').append(c.key() ? "key" : "-").append('\n');
    }
}
