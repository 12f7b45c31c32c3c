package io.philotes.cdc;

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
import io.philotes.db.Rows;
import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;

/**
 * The versions of a pipeline's tables' shapes. A shape is a table's published columns in order with their types, type
 * modifiers and membership in the replica identity - what the stream's relation messages say, and what decides how
 * its values are typed in JSON. Each new shape of a table is its next version, recorded (with the column types' names
 * and nullability from the source's catalog) before the first event in it is stored, so every stored event's
 * {@code schema_version} names a recorded shape. The stream and the table copier both ask, from their own threads.
 */
final class SchemaVersions {
    private final DbClient db;
    private final ReplicationObjects objects;
    private final UUID pipelineId;
    private final Map<TableName, Known> latest = new HashMap<>();

    /* A table's latest version and the shape that tells it apart. */
    private record Known(int version, String shape) {
    }

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
        try (var rows = db.execute().createNamedQuery("schema-versions-latest").addParam("pipeline_id", pipelineId).execute()) {
            rows.forEach(r -> v.latest.put(new TableName(Rows.text(r, "schema_name"), Rows.text(r, "table_name")),
                                           new Known(r.column("version").get(Integer.class), Rows.text(r, "shape"))));
        }
        return v;
    }

    /**
     * The version of a relation message's shape; a new one is recorded first, its types' names and nullability read
     * from the catalog over the given connection.
     *
     * @param r   the relation message
     * @param sql a connection to the source
     * @return its version
     * @throws SQLException when the catalog cannot be read
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
     * @throws SQLException when the catalog cannot be read
     */
    Integer of(TableName table, Connection sql) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement ps = shapeQuery(sql, table); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                columns.add(new Column(rs.getString("name"), rs.getInt("type_oid"), rs.getInt("type_modifier"), rs.getBoolean("key")));
            }
        }
        return columns.isEmpty() ? null : of(table, columns, sql);
    }

    /**
     * The latest version of a table's shape, without asking anyone.
     *
     * @param table the table
     * @return the version, or null before the first
     */
    synchronized Integer current(TableName table) {
        Known k = latest.get(table);
        return k == null ? null : k.version();
    }

    private synchronized int of(TableName table, List<Column> shaped, Connection sql) throws SQLException {
        StringBuilder text = new StringBuilder();
        shaped.forEach(c -> shape(text, c));
        String shape = text.toString();
        Known known = latest.get(table);
        if (known != null && known.shape().equals(shape)) {
            return known.version();
        }
        JsonArrayBuilder columns = JsonText.array();
        try (PreparedStatement ps = shapeQuery(sql, table); ResultSet rs = ps.executeQuery()) {
            Map<String, ResultRow> catalog = new HashMap<>();
            while (rs.next()) {
                catalog.put(rs.getString("name"), new ResultRow(rs.getString("type"), rs.getBoolean("nullable")));
            }
            for (Column c : shaped) {
                ResultRow row = catalog.get(c.name());
                JsonObjectBuilder column = JsonText.object().add("name", c.name());
                JsonText.optional(column, "type", row == null ? null : row.type());
                column.add("type_oid", c.typeOid()).add("type_modifier", c.typeModifier())
                        .add("json_type", ColumnValues.jsonType(c.typeOid(), c.typeModifier()));
                if (row != null) {
                    column.add("nullable", row.nullable());
                }
                columns.add(column.add("key", c.key()));
            }
        }
        int version = known == null ? 1 : known.version() + 1;
        db.execute().createNamedInsert("schema-version-insert").params(Map.of("pipeline_id", pipelineId, "schema_name", table.schema(),
                "table_name", table.table(), "version", version, "shape", shape, "columns", columns.build().toString())).execute();
        latest.put(table, new Known(version, shape));
        return version;
    }

    private record ResultRow(String type, boolean nullable) {
    }

    private PreparedStatement shapeQuery(Connection sql, TableName table) throws SQLException {
        PreparedStatement ps = sql.prepareStatement(objects.statement("cdc-table-shape"));
        ps.setString(1, table.schema());
        ps.setString(2, table.table());
        return ps;
    }

    /* One line per column: name, type oid, type modifier, key or not - tab-separated (names may hold anything but NUL). */
    private static void shape(StringBuilder out, Column c) {
        out.append(c.name().replace("\t", "\\t").replace("\n", "\\n")).append('\t').append(c.typeOid()).append('\t').append(c.typeModifier())
                .append('\t').append(c.key() ? "key" : "-").append('\n');
    }
}
