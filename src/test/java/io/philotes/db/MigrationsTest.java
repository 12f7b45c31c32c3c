package io.philotes.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import io.philotes.Main;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MigrationsTest {
    private final Migrations migrations = Migrations.load(SqlStatements.load());

    @Test
    void appliesEveryFileOnceInOrder() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        List<Migrations.Migration> applied = migrations.apply(dataSource(db));
        assertThat(applied.size(), is(migrations.latestVersion()));
        assertThat(applied.getFirst().fileName(), is("V001__metadata_schema.sql"));
        assertThat(migrations.apply(dataSource(db)), is(empty()));
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), max(version) FROM philotes.schema_migrations")) {
            rs.next();
            assertThat(rs.getInt(1), is(migrations.latestVersion()));
            assertThat(rs.getInt(2), is(migrations.latestVersion()));
        }
    }

    @Test
    void instancesStartingTogetherDoNotCollide() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        int instances = 6;
        try (ExecutorService pool = Executors.newFixedThreadPool(instances)) {
            List<Future<List<Migrations.Migration>>> results = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                Callable<List<Migrations.Migration>> task = () -> migrations.apply(dataSource(db));
                results.add(pool.submit(task));
            }
            int total = 0;
            for (Future<List<Migrations.Migration>> r : results) {
                total += r.get().size();
            }
            assertThat(total, is(migrations.latestVersion()));
        }
    }

    @Test
    void changedFileStopsStartupWithAClearMessage() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        migrations.apply(dataSource(db));
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE philotes.schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");
        }
        Migrations.MigrationException e = assertThrows(Migrations.MigrationException.class, () -> migrations.apply(dataSource(db)));
        assertThat(e.getMessage(), containsString("Migration V001__metadata_schema.sql was changed after it was applied"));

        Map<String, String> config = Map.of("db.url", db.url(), "db.username", db.user(), "db.password", db.password());
        RuntimeException startup = assertThrows(RuntimeException.class, () -> Main.start(TestApp.settings(config)));
        assertThat(startup.getMessage(), containsString("was changed after it was applied"));
    }

    @Test
    void databaseNewerThanTheBuildIsRefused() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        migrations.apply(dataSource(db));
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO philotes.schema_migrations (version, name, checksum, execution_ms) VALUES (999, 'future', 'x', 0)");
        }
        Migrations.MigrationException e = assertThrows(Migrations.MigrationException.class, () -> migrations.apply(dataSource(db)));
        assertThat(e.getMessage(), containsString("V999 (future) which this build of Philotes does not know"));
    }

    static DataSource dataSource(TestPostgres.Coordinates db) throws SQLException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(db.url());
        ds.setUser(db.user());
        ds.setPassword(db.password());
        return ds;
    }
}
