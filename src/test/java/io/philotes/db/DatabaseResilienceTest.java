package io.philotes.db;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntPredicate;

import io.philotes.support.ApiClient;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/** An external metadata PostgreSQL that goes away and comes back, with no restart of the service. */
class DatabaseResilienceTest {
    @Test
    void readinessFollowsTheDatabaseAndRecoversWithoutRestart() throws Exception {
        Path dir = TestPostgres.tempDir("philotes-outage");
        int port = freePort();
        EmbeddedPostgres postgres = TestPostgres.startEmbedded(dir, port);
        try (TestApp app = TestApp.startWithOwnDatabase(external(port))) {
            ApiClient api = app.client();
            assertThat(api.get("/health/ready").status(), is(200));

            TestPostgres.close(postgres);
            long stoppedAt = System.nanoTime();
            awaitReady(api, status -> status == 503, Duration.ofSeconds(10));
            long millis = (System.nanoTime() - stoppedAt) / 1_000_000;
            assertThat("readiness turned 503 after " + millis + " ms", millis, lessThan(5000L));

            ApiClient.Response call = api.get("/api/v1/sources");
            assertThat(call.status(), is(503));
            assertThat(call.problemSlug(), is("service-unavailable"));
            assertThat(call.header("Retry-After").orElseThrow(), is("5"));
            assertThat(api.get("/health").json().getString("status"), is("unhealthy"));
            assertThat(api.get("/health/live").status(), is(200));
            assertThat(api.get("/api/v1/version").status(), is(200));

            postgres = TestPostgres.startEmbedded(dir, port);
            awaitReady(api, status -> status == 200, Duration.ofSeconds(15));
            assertThat(api.get("/health").json().getString("status"), is("healthy"));
        } finally {
            TestPostgres.close(postgres);
        }
    }

    @Test
    void startsWithoutTheDatabaseAndMigratesWhenItAppears() throws Exception {
        Path dir = TestPostgres.tempDir("philotes-late");
        int port = freePort();
        EmbeddedPostgres postgres = null;
        try (TestApp app = TestApp.startWithOwnDatabase(external(port))) {
            ApiClient api = app.client();
            ApiClient.Response ready = api.get("/health/ready");
            assertThat(ready.status(), is(503));
            assertThat(ready.json().getString("status"), is("not_ready"));
            assertThat(api.get("/api/v1/sources").problemSlug(), is("service-unavailable"));

            postgres = TestPostgres.startEmbedded(dir, port);
            awaitReady(api, status -> status == 200, Duration.ofSeconds(15));
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM philotes.schema_migrations")) {
                rs.next();
                assertThat(rs.getInt(1), is(Migrations.load(SqlStatements.load()).latestVersion()));
            }
        } finally {
            if (postgres != null) {
                TestPostgres.close(postgres);
            }
        }
    }

    private static Map<String, String> external(int port) {
        return Map.of("db.url", "jdbc:postgresql://localhost:" + port + "/postgres",
                      "db.username", "postgres",
                      "db.pool.timeout", "1s");
    }

    private static void awaitReady(ApiClient api, IntPredicate expected, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        int status;
        do {
            status = api.get("/health/ready").status();
            if (expected.test(status)) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("readiness still " + status + " after " + limit);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
