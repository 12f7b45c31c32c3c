package io.philotes.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The zero-configuration default: an embedded PostgreSQL whose data outlives the process. */
class EmbeddedDatabaseTest {
    @Test
    void dataSurvivesARestartAndDurabilitySettingsAreOn() throws Exception {
        Path data = TestPostgres.tempDir("philotes-embedded");
        Map<String, String> config = Map.of("db.url", "", "data.dir", data.toString());
        try (TestApp app = TestApp.startWithOwnDatabase(config)) {
            assertThat(app.client().get("/health/ready").status(), is(200));
            assertThat(app.client().get("/api/v1/config").json().getJsonObject("database").getString("mode"), is("embedded"));
            try (Connection c = app.philotes().database().dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE restart_marker (note text)");
                st.execute("INSERT INTO restart_marker VALUES ('still here')");
                assertThat(show(st, "synchronous_commit"), is("on"));
                assertThat(show(st, "wal_level"), is("logical"));
            }
        }
        assertThat(Files.exists(data.resolve("postgres/PG_VERSION")), is(true));
        try (TestApp app = TestApp.startWithOwnDatabase(config);
             Connection c = app.philotes().database().dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT note FROM restart_marker")) {
            rs.next();
            assertThat(rs.getString(1), is("still here"));
        }
    }

    @Test
    void everyConnectionNeedsTheGeneratedPasswordAndOnlyLoopbackListens() throws Exception {
        Path data = TestPostgres.tempDir("philotes-embedded-auth");
        Path passwordFile = data.resolve("postgres.password");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(data.resolve("postgres"), 0, passwordFile)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)), is("rw-------"));
            assertThat(Files.readString(passwordFile).trim(), is(db.password()));
            assertRefused(db.jdbcUrl(), "wrong-password");
            assertRefused(db.jdbcUrl(), "");
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement st = c.createStatement()) {
                assertThat(show(st, "listen_addresses"), is("localhost"));
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'scram-sha-256'")) {
                    rs.next();
                    assertThat("no trust, peer or md5 rule", rs.getLong(1), is(0L));
                }
            }
        }
    }

    @Test
    void aDataDirectoryAnEarlierBuildLeftTrustingIsMadeToNeedThePassword() throws Exception {
        Path data = TestPostgres.tempDir("philotes-embedded-legacy");
        // What earlier builds left: zonky's initdb with trust for everything.
        EmbeddedPostgres legacy = EmbeddedPostgres.builder().setDataDirectory(data.resolve("postgres")).setCleanDataDirectory(false).start();
        try (Connection c = DriverManager.getConnection(legacy.getJdbcUrl("postgres", "postgres"), "postgres", "wrong-password");
             Statement st = c.createStatement()) {
            // The defect: any password, or none, was accepted from loopback.
            st.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from before')");
        }
        legacy.close();
        try (EmbeddedDatabase db = EmbeddedDatabase.start(data.resolve("postgres"), 0, data.resolve("postgres.password"))) {
            assertRefused(db.jdbcUrl(), "");
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT note FROM kept")) {
                rs.next();
                assertThat(rs.getString(1), is("from before"));
            }
        }
    }

    @Test
    void aLostPasswordFileIsSaidAtOnceAndNotReplaced() throws IOException {
        Path data = TestPostgres.tempDir("philotes-embedded-lost");
        Path passwordFile = data.resolve("postgres.password");
        EmbeddedDatabase.start(data.resolve("postgres"), 0, passwordFile).close();
        Files.delete(passwordFile);
        RuntimeException e = assertThrows(RuntimeException.class, () -> EmbeddedDatabase.start(data.resolve("postgres"), 0, passwordFile));
        assertThat(e.getMessage(), containsString("postgres.password is missing"));
        assertThat(Files.exists(passwordFile), is(false));
    }

    private static void assertRefused(String url, String password) {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", password).close());
        assertThat(e.getMessage(), e.getSQLState(), anyOf(is("28P01"), is("08004")));
    }

    private static String show(Statement st, String setting) throws Exception {
        try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
