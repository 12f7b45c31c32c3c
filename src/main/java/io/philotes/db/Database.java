package io.philotes.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import io.philotes.config.Settings;
import io.philotes.net.OwnEndpoints;
import org.postgresql.Driver;

/**
 * The metadata database: Helidon DbClient running the named statements of {@code sql/statements} on a
 * HikariCP pool, and the embedded server when no external one is configured.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final DbClient client;
    private final SqlStatements statements;
    private final EmbeddedDatabase embedded;
    private final String description;
    private final List<OwnEndpoints.Target> endpoints;

    private Database(HikariDataSource pool, SqlStatements statements, EmbeddedDatabase embedded, String description,
                     List<OwnEndpoints.Target> endpoints) {
        this.endpoints = endpoints;
        this.pool = pool;
        this.statements = statements;
        this.embedded = embedded;
        this.description = description;
        this.client = JdbcClientBuilder.create()
                .connectionPool(new HikariConnectionPool(pool))
                .statements(statements.forDbClient())
                // A named parameter the caller leaves out is SQL NULL, as in the filters of the list queries.
                .missingMapParametersAsNull(true)
                .build();
    }

    /**
     * Opens the pool, starting the embedded server first when no URL is configured. The pool starts even
     * when an external database is down; the monitor reports it and migrations run once it appears.
     *
     * @param settings   validated settings
     * @param statements the named statements
     * @return the database
     */
    public static Database open(Settings settings, SqlStatements statements) {
        Settings.Db db = settings.db();
        HikariConfig config = new HikariConfig();
        config.setPoolName("philotes-metadata");
        config.setMaximumPoolSize(db.poolSize());
        config.setMinimumIdle(Math.min(2, db.poolSize()));
        config.setConnectionTimeout(db.poolTimeout().toMillis());
        config.setValidationTimeout(Math.max(250, Math.min(1000, db.poolTimeout().toMillis() - 1)));
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", "philotes");
        // The schema needs PostgreSQL 13 (gen_random_uuid). Saying so lets the driver send the application
        // name in the startup message instead of a SET round trip on each new connection.
        config.addDataSourceProperty("assumeMinServerVersion", "13");
        config.addDataSourceProperty("connectTimeout", String.valueOf(seconds(db.poolTimeout())));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        // DbClient binds a UUID with setString; "unspecified" lets the server type such parameters from the
        // statement (uuid = $1) instead of failing with "uuid = character varying".
        config.addDataSourceProperty("stringtype", "unspecified");
        // PostgreSQL's error detail can quote row values (e.g. "Failing row contains ..."); keep them out of
        // exception messages, which end up in logs.
        config.addDataSourceProperty("logServerErrorDetail", "false");
        if (db.embedded()) {
            EmbeddedDatabase embedded = EmbeddedDatabase.start(settings.dataDir().resolve("postgres"), db.embeddedPort(),
                                                               settings.dataDir().resolve("postgres.password"));
            config.setJdbcUrl(embedded.jdbcUrl());
            config.setUsername(embedded.user());
            config.setPassword(embedded.password());
            config.addDataSourceProperty("sslmode", "disable");
            return new Database(new HikariDataSource(config), statements, embedded,
                                "embedded PostgreSQL on localhost:" + embedded.port(),
                                List.of(new OwnEndpoints.Target("localhost", embedded.port(), null)));
        }
        config.setJdbcUrl(db.url());
        if (!db.username().isBlank()) {
            config.setUsername(db.username());
        }
        if (!db.password().isEmpty()) {
            config.setPassword(db.password());
        }
        config.addDataSourceProperty("sslmode", db.sslMode());
        return new Database(new HikariDataSource(config), statements, null, "PostgreSQL at " + db.redactedUrl(),
                            endpoints(db.url(), db.username()));
    }

    public DbClient client() {
        return client;
    }

    /**
     * The pool itself, for what DbClient has no API for: migrations and leases (session-level advisory
     * locks) and binary COPY.
     *
     * @return the pool
     */
    public DataSource dataSource() {
        return pool;
    }

    public SqlStatements statements() {
        return statements;
    }

    /**
     * What the database is, safe to log.
     *
     * @return description without credentials
     */
    public String description() {
        return description;
    }

    /**
     * Where the metadata database listens, for the sources that must never point at it.
     *
     * @return its endpoints; the embedded server's with no database (every database on it is private)
     */
    public List<OwnEndpoints.Target> endpoints() {
        return endpoints;
    }

    /* The URL's hosts, ports and database, as pgjdbc itself reads them. */
    private static List<OwnEndpoints.Target> endpoints(String url, String username) {
        Properties parsed = Driver.parseURL(url, null);
        if (parsed == null) {
            return List.of();
        }
        String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
        String[] ports = parsed.getProperty("PGPORT", "5432").split(",");
        List<OwnEndpoints.Target> targets = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            targets.add(new OwnEndpoints.Target(hosts[i], Integer.parseInt(ports[Math.min(i, ports.length - 1)]),
                                                // without a database in the URL, the server takes the user's name
                                                parsed.getProperty("PGDBNAME", "").isEmpty() ? username : parsed.getProperty("PGDBNAME")));
        }
        return List.copyOf(targets);
    }

    public boolean embedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        client.close(); // and with it the pool, which it owns
        if (embedded != null) {
            embedded.close();
        }
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }
}
