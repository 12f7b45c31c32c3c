package io.philotes.db;

import java.sql.Connection;
import java.sql.SQLException;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;

/**
 * HikariCP as Helidon DbClient's connection pool (helidon-dbclient-hikari is not served at 4.5.0). It is
 * handed to {@code JdbcClientBuilder.connectionPool(..)} directly: the pool is configured from the
 * validated settings, and the embedded database's URL is only known once it runs, so there is no
 * configuration for a service-loaded provider to read.
 */
final class HikariConnectionPool implements CloseableJdbcConnectionPool {
    private final HikariDataSource pool;

    HikariConnectionPool(HikariDataSource pool) {
        this.pool = pool;
    }

    @Override
    public Connection connection() {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw new DbClientException("No connection to the metadata database: " + e.getMessage(), e);
        }
    }

    @Override
    public String dbType() {
        return "postgresql";
    }

    @Override
    public String name() {
        return pool.getPoolName();
    }

    @Override
    public void close() {
        pool.close();
    }
}
