package io.philotes.source;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.philotes.db.SqlStatements;

/**
 * Lists a source's tables with the facts that decide whether each can be captured. It costs two catalog
 * queries however many tables there are: one for tables, one for all their columns.
 */
public final class TableDiscovery {
    private final SourceConnector connector;
    private final SqlStatements sql;
    private final Duration connectTimeout;
    private final Duration queryTimeout;

    /**
     * Creates the discovery.
     *
     * @param connector      opens connections under the host policy
     * @param sql            the catalog statements
     * @param connectTimeout bound on connecting and logging in
     * @param queryTimeout   bound on each catalog query (a catalog of many thousand tables takes seconds)
     */
    public TableDiscovery(SourceConnector connector, SqlStatements sql, Duration connectTimeout, Duration queryTimeout) {
        this.connector = connector;
        this.sql = sql;
        this.connectTimeout = connectTimeout;
        this.queryTimeout = queryTimeout;
    }

    /**
     * Discovers tables.
     *
     * @param spec   how to connect
     * @param schema a schema name, or {@code *} for every non-system schema
     * @return tables sorted by schema then name, columns in ordinal order
     * @throws SourceFailure when the source cannot be reached or queried
     */
    public List<Table> discover(SourceSpec spec, String schema) {
        InetAddress address = connector.resolve(spec.host());
        try (Connection c = connector.connect(spec, address, connectTimeout, false)) {
            c.setNetworkTimeout(Runnable::run, (int) queryTimeout.toMillis());
            c.setReadOnly(true);
            Map<String, TableBuilder> tables = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql.sql("catalog-tables"))) {
                ps.setString(1, schema);
                ps.setString(2, schema);
                readTables(ps, tables);
            }
            try (PreparedStatement ps = c.prepareStatement(sql.sql("catalog-columns"))) {
                ps.setString(1, schema);
                ps.setString(2, schema);
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        TableBuilder t = tables.get(key(rs.getString("schema_name"), rs.getString("table_name")));
                        if (t != null) {
                            String name = rs.getString("column_name");
                            t.columns.add(new Column(name, rs.getString("data_type"), rs.getString("udt_type"), rs.getBoolean("nullable"),
                                    t.primaryKeySet.contains(name), rs.getString("default_value"), rs.getInt("position")));
                        }
                    }
                }
            }
            return tables.values().stream().map(TableBuilder::build).toList();
        } catch (SQLException e) {
            throw SourceConnector.classify(e, spec, address, queryTimeout);
        }
    }

    /**
     * Looks up named tables only, with one catalog query; for checking a pipeline's mappings. Columns are
     * not read.
     *
     * @param spec   how to connect
     * @param tables the (schema, table) names to look up
     * @return those that exist as tables, with their CDC facts
     * @throws SourceFailure when the source cannot be reached or queried
     */
    public List<Table> find(SourceSpec spec, List<TableName> tables) {
        InetAddress address = connector.resolve(spec.host());
        try (Connection c = connector.connect(spec, address, connectTimeout, false)) {
            c.setNetworkTimeout(Runnable::run, (int) queryTimeout.toMillis());
            c.setReadOnly(true);
            Map<String, TableBuilder> found = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql.sql("catalog-tables-named"))) {
                ps.setArray(1, c.createArrayOf("text", tables.stream().map(TableName::schema).toArray()));
                ps.setArray(2, c.createArrayOf("text", tables.stream().map(TableName::table).toArray()));
                readTables(ps, found);
            }
            return found.values().stream().map(TableBuilder::build).toList();
        } catch (SQLException e) {
            throw SourceConnector.classify(e, spec, address, queryTimeout);
        }
    }

    private static void readTables(PreparedStatement ps, Map<String, TableBuilder> tables) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                TableBuilder t = new TableBuilder(rs.getString("schema_name"), rs.getString("table_name"), rs.getString("kind"),
                        rs.getString("replica_identity"), rs.getLong("estimated_rows"), rs.getLong("size_bytes"),
                        List.of((String[]) rs.getArray("primary_key").getArray()), rs.getBoolean("has_identity_index"));
                tables.put(key(t.schema, t.name), t);
            }
        }
    }

    private static String key(String schema, String table) {
        return schema + "\u0000" + table;
    }

    /**
     * A discovered table.
     *
     * @param schema          schema name
     * @param name            table name
     * @param partitioned     whether it is a partitioned (parent) table
     * @param columns         columns in ordinal order
     * @param primaryKey      primary key columns in key order, empty without one
     * @param replicaIdentity default, full, index or nothing
     * @param estimatedRows   the planner's row estimate
     * @param sizeBytes       total size including indexes and TOAST
     * @param cdcReady        whether updates and deletes can be captured
     * @param cdcIssue        why not, when not
     */
    public record Table(String schema, String name, boolean partitioned, List<Column> columns, List<String> primaryKey,
                        String replicaIdentity, long estimatedRows, long sizeBytes, boolean cdcReady, String cdcIssue) {
    }

    /**
     * A table's qualified name.
     *
     * @param schema schema name
     * @param table  table name
     */
    public record TableName(String schema, String table) {
        /**
         * A PostgreSQL name quoted for SQL text.
         *
         * @param identifier the name as the catalog stores it
         * @return it in double quotes, inner quotes doubled
         */
        public static String quote(String identifier) {
            return "\"" + identifier.replace("\"", "\"\"") + "\"";
        }

        @Override
        public String toString() {
            return quote(schema) + "." + quote(table);
        }
    }

    /**
     * A column of a discovered table.
     *
     * @param name         column name
     * @param type         SQL type with modifiers, e.g. {@code character varying(20)}
     * @param udtType      the underlying type's name, e.g. {@code varchar}
     * @param nullable     whether NULL is allowed
     * @param primaryKey   whether it is part of the primary key
     * @param defaultValue its default expression, or null
     * @param position     its ordinal position
     */
    public record Column(String name, String type, String udtType, boolean nullable, boolean primaryKey, String defaultValue,
                         int position) {
    }

    private static final class TableBuilder {
        final String schema;
        final String name;
        final boolean partitioned;
        final String replicaIdentity;
        final long estimatedRows;
        final long sizeBytes;
        final List<String> primaryKey;
        final Set<String> primaryKeySet;
        final boolean identityIndex;
        final List<Column> columns = new ArrayList<>();

        TableBuilder(String schema, String name, String kind, String identity, long estimatedRows, long sizeBytes,
                     List<String> primaryKey, boolean identityIndex) {
            this.schema = schema;
            this.name = name;
            this.partitioned = "p".equals(kind);
            this.replicaIdentity = switch (identity) {
                case "f" -> "full";
                case "i" -> "index";
                case "n" -> "nothing";
                default -> "default";
            };
            this.estimatedRows = estimatedRows;
            this.sizeBytes = sizeBytes;
            this.primaryKey = primaryKey;
            this.primaryKeySet = new HashSet<>(primaryKey);
            this.identityIndex = identityIndex;
        }

        Table build() {
            String qualified = TableName.quote(schema) + "." + TableName.quote(name);
            String issue = switch (replicaIdentity) {
                case "nothing" -> "REPLICA IDENTITY NOTHING: updates and deletes cannot be captured; run ALTER TABLE " + qualified
                        + " REPLICA IDENTITY FULL (or DEFAULT with a primary key)";
                case "default" -> primaryKey.isEmpty() ? "no primary key: updates and deletes cannot be captured; add a primary key or run"
                        + " ALTER TABLE " + qualified + " REPLICA IDENTITY FULL" : null;
                case "index" -> identityIndex ? null : "the replica identity index is missing; run ALTER TABLE " + qualified
                        + " REPLICA IDENTITY FULL";
                default -> null;
            };
            return new Table(schema, name, partitioned, List.copyOf(columns), primaryKey, replicaIdentity, estimatedRows, sizeBytes,
                             issue == null, issue);
        }
    }
}
