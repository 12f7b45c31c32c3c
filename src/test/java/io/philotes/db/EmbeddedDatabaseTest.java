package io.philotes.db;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

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

    private static String show(Statement st, String setting) throws Exception {
        try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
