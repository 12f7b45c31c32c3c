package io.philotes.cdc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.philotes.source.TableDiscovery.TableName;

/**
 * How one table is copied, as the source's catalog says ({@code cdc-copy-plan}): its published columns, the key it
 * is read in the order of (null when it has none), and the queries that read it. The queries select the columns, then
 * the key's columns again, so a row's position is read as text whatever the columns are.
 *
 * @param table         the table
 * @param estimatedRows the planner's estimate of its rows
 * @param columns       its columns in order
 * @param types         their type OIDs
 * @param typeModifiers their type modifiers
 * @param keyColumns    the key's columns in the key's order, or null when it cannot be chunked
 * @param firstQuery    reads the first chunk (parameter: the chunk's rows)
 * @param nextQuery     reads the chunk after a key (parameters: the key's values as text, then the chunk's rows)
 * @param fullQuery     reads everything
 * @param schemaVersion the version of the table's shape its rows are read in, or null when not known
 */
record CopyPlan(TableName table, long estimatedRows, List<String> columns, int[] types, int[] typeModifiers,
                List<String> keyColumns, String firstQuery,
                String nextQuery, String fullQuery, Integer schemaVersion) {
    /* text, varchar, bpchar, json, xml, name: their bytes are their text form; bytea's would be decoded. */
    private static final int[] TEXT_LIKE = {25, 1043, 1042, 114, 142, 19};

    /*
     * The plan in the connection's transaction, with the version of the table's shape that the same snapshot of the
     * catalog shows (recorded first when it is new).
     */
    static Optional<CopyPlan> of(ReplicationObjects objects, Connection c, TableName table, SchemaVersions schemas) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(objects.statement("cdc-copy-plan"))) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Integer[] types = (Integer[]) rs.getArray("column_types").getArray();
                Integer[] modifiers = (Integer[]) rs.getArray("column_type_modifiers").getArray();
                Array key = rs.getArray("key_columns");
                return Optional.of(new CopyPlan(table, rs.getLong("estimated_rows"), List.of((String[]) rs.getArray("column_names").getArray()),
                                                Arrays.stream(types).mapToInt(Integer::intValue).toArray(),
                                                Arrays.stream(modifiers).mapToInt(Integer::intValue).toArray(),
                                                key == null ? null : List.of((String[]) key.getArray()), rs.getString("first_query"),
                                                rs.getString("next_query"), rs.getString("full_query"),
                                                schemas == null ? null : schemas.of(table, c)));
            }
        }
    }

    /**
     * Why a table cannot be chunked, with the way out.
     *
     * @param table the table
     * @return the message
     */
    static String unchunkable(TableName table) {
        return "table " + table + " cannot be copied in chunks: it has no primary key or unique index on NOT NULL columns that its"
               + " changes carry (see its snapshot_issue in discovery). Add one, or set \"allow_full_copy\": true in the mapping's config to"
               + " copy it in one transaction, during which the pipeline's stream waits";
    }

    boolean chunked() {
        return keyColumns != null;
    }

    /**
     * A row of one of the queries as a snapshot event (its position is set when it is emitted), with its key.
     *
     * @param rs    the result, on the row
     * @param taken when the chunk was read
     * @return the row
     */
    CopyWindow.Row row(ResultSet rs, Instant taken) throws SQLException {
        JsonRow row = new JsonRow();
        for (int i = 0; i < columns.size(); i++) {
            if (textLike(types[i])) {
                // Text-like values as the bytes the result holds (the query sends text): a large one is not copied.
                byte[] bytes = rs.getBytes(i + 1);
                row.add(columns.get(i), types[i], typeModifiers[i], bytes == null ? null : new RowJson.Slice(bytes, 0, bytes.length));
            } else {
                row.add(columns.get(i), types[i], typeModifiers[i], rs.getString(i + 1));
            }
        }
        RowJson key = null;
        String match = null;
        if (keyColumns != null) {
            // The key's columns in the table's order, as the stream writes a change's key (when the key is its replica identity).
            JsonRow k = new JsonRow();
            for (int i = 0; i < columns.size(); i++) {
                int at = keyColumns.indexOf(columns.get(i));
                if (at >= 0) {
                    k.add(columns.get(i), types[i], typeModifiers[i], rs.getString(columns.size() + at + 1));
                }
            }
            key = k.json();
            match = CopyWindow.key(key, keyColumns);
        }
        return new CopyWindow.Row(match, new ChangeEvent(0, 0, null, taken, table.schema(), table.table(), "snapshot", key, null, row.json(),
                                                         schemaVersion));
    }

    /**
     * The position of the row the result is on: its key's values as text.
     *
     * @param rs the result of a chunk query
     * @return the values
     */
    List<String> key(ResultSet rs) throws SQLException {
        List<String> values = new ArrayList<>(keyColumns.size());
        for (int i = 0; i < keyColumns.size(); i++) {
            values.add(rs.getString(columns.size() + i + 1));
        }
        return values;
    }

    private static boolean textLike(int type) {
        for (int t : TEXT_LIKE) {
            if (t == type) {
                return true;
            }
        }
        return false;
    }
}
