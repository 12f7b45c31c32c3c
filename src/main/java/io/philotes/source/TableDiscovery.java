package io.philotes.source;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import io.philotes.db.Rows;
import io.philotes.db.SqlStatements;
import io.philotes.db.Transactions;
import org.postgresql.PGConnection;

/**
 * Lists a source's tables with the facts that decide whether each can be captured. It costs two catalog
 * queries however many tables there are: one for tables, one for all their columns.
 */
public final class TableDiscovery {
    private static final int FETCH_SIZE = 10_000;
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
        return read(spec, tx -> {
            Map<String, TableBuilder> tables = readTables(tx, Map.of("schema", schema));
            try (Stream<DbRow> rows = tx.createNamedQuery("catalog-columns").addParam("schema", schema).execute()) {
                rows.forEach(r -> {
                    TableBuilder t = tables.get(key(Rows.text(r, "schema_name"), Rows.text(r, "table_name")));
                    if (t != null) {
                        String name = Rows.text(r, "column_name");
                        t.columns.add(new Column(name, Rows.text(r, "data_type"), Rows.text(r, "udt_type"),
                                                 r.column("nullable").get(Boolean.class), t.primaryKeySet.contains(name),
                                                 Rows.text(r, "default_value"), r.column("position").get(Integer.class)));
                    }
                });
            }
            return tables.values().stream().map(TableBuilder::build).toList();
        });
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
        return read(spec, tx -> readTables(tx, Map.of("schemas", tables.stream().map(TableName::schema).toArray(String[]::new),
                                                      "tables", tables.stream().map(TableName::table).toArray(String[]::new)))
                .values().stream().map(TableBuilder::build).toList());
    }

    /* One read-only transaction on a new connection to the source; any failure becomes a SourceFailure naming its cause. */
    private List<Table> read(SourceSpec spec, Function<DbTransaction, List<Table>> work) {
        InetAddress address = connector.approve(spec);
        try (Connection c = connector.connect(spec, address, connectTimeout, false)) {
            c.setNetworkTimeout(Runnable::run, (int) queryTimeout.toMillis());
            c.setReadOnly(true);
            // Columns of a large catalog arrive in batches rather than all at once.
            c.unwrap(PGConnection.class).setDefaultFetchSize(FETCH_SIZE);
            return Transactions.readOnly(Transactions.on(c, sql.forDbClient()), work);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SourceFailure failure) {
                throw failure;
            }
            throw SourceConnector.classify(e, spec, address, queryTimeout);
        }
    }

    private static Map<String, TableBuilder> readTables(DbTransaction tx, Map<String, ?> params) {
        Map<String, TableBuilder> tables = new LinkedHashMap<>();
        try (Stream<DbRow> rows = tx.createNamedQuery("catalog-tables").params(params).execute()) {
            rows.forEach(r -> {
                TableBuilder t = new TableBuilder(Rows.text(r, "schema_name"), Rows.text(r, "table_name"), Rows.text(r, "kind"),
                        Rows.text(r, "replica_identity"), r.column("estimated_rows").get(Long.class), r.column("size_bytes").get(Long.class),
                        Rows.strings(r, "primary_key"), r.column("has_identity_index").get(Boolean.class),
                        Rows.strings(r, "snapshot_key"));
                tables.put(key(t.schema, t.name), t);
            });
        }
        return tables;
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
     * @param snapshotKey     the key its copy is read in chunks by, empty when it has none
     * @param snapshotIssue   why its copy cannot be chunked, when it cannot
     */
    public record Table(String schema, String name, boolean partitioned, List<Column> columns, List<String> primaryKey,
                        String replicaIdentity, long estimatedRows, long sizeBytes, boolean cdcReady, String cdcIssue, List<String> snapshotKey,
                        String snapshotIssue) {
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
        final List<String> snapshotKey;
        final List<Column> columns = new ArrayList<>();

        TableBuilder(String schema, String name, String kind, String identity, long estimatedRows, long sizeBytes,
                     List<String> primaryKey, boolean identityIndex, List<String> snapshotKey) {
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
            this.snapshotKey = snapshotKey == null ? List.of() : snapshotKey;
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
            String copyIssue = snapshotKey.isEmpty() ? "no primary key or unique index on NOT NULL columns that its changes carry: its"
                    + " copy cannot be read in chunks; add a primary key, or allow a copy in one transaction (\"allow_full_copy\": true in the"
                    + " mapping's config), during which the pipeline's stream waits" : null;
            return new Table(schema, name, partitioned, List.copyOf(columns), primaryKey, replicaIdentity, estimatedRows, sizeBytes,
                             issue == null, issue, snapshotKey, copyIssue);
        }
    }
}
