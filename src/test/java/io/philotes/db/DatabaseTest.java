package io.philotes.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class DatabaseTest {
    @Test
    void pooledConnectionsArriveNamed() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        Map<String, String> config = Map.of("db.url", db.url(), "db.username", db.user(), "db.password", db.password());
        try (Database database = Database.open(TestApp.settings(config), SqlStatements.load());
             Connection connection = database.dataSource().getConnection();
             Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT setting, source FROM pg_settings WHERE name = 'application_name'")) {
            rs.next();
            assertThat(rs.getString("setting"), is("philotes"));
            // Sent in the startup message (source "client"; the schema needs PostgreSQL 13 anyway), not by a
            // SET round trip after login (source "session").
            assertThat(rs.getString("source"), is("client"));
        }
    }
}
