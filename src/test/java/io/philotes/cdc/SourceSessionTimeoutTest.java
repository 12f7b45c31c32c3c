package io.philotes.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceServers;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The replication session has its own timeout (pipelines.source.timeout), not the connection test's: a source
 * that takes longer than a test may take to answer (here: a table locked for 2.5 s against the publication the
 * pipeline sets up) is waited for, not failed and retried.
 */
@PhilotesTest(config = {"sources.test.timeout=1s", "pipelines.source.timeout=30s"})
class SourceSessionTimeoutTest {
    @Test
    void aSlowSourceIsWaitedForWithoutAFailure(ApiClient api, SourceServers.Server server) throws Exception {
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.t (id int PRIMARY KEY)");
        String path = PipelineEvents.streamingPipeline(api, server, db, "slow-source", "t");
        try (Connection lock = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + db, "postgres", "");
             Statement st = lock.createStatement()) {
            lock.setAutoCommit(false);
            // Conflicts with CREATE PUBLICATION's lock, not with the pre-flight checks' reads.
            st.execute("LOCK TABLE public.t IN SHARE UPDATE EXCLUSIVE MODE");
            assertThat(api.post(path + "/start", "").status(), is(200));
            Thread.sleep(2500);
            lock.commit();
        }
        PipelineEvents.awaitStatus(api, path, "running", 20_000);
        server.execute(db, "INSERT INTO public.t VALUES (1)");
        assertThat(PipelineEvents.await(api, path, 1, 20_000).size(), is(1));
        String failures = api.get("/metrics").body().lines()
                .filter(l -> l.startsWith("philotes_pipeline_errors_total{pipeline=\"slow-source\"}")).findFirst().orElseThrow();
        assertThat(failures, failures.endsWith(" 0.0"), is(true));
        assertThat(api.post(path + "/stop", "").status(), is(200));
    }
}
