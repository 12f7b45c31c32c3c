package io.philotes.system;

import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

/** Prometheus metrics of HTTP requests and of a pipeline that really runs. */
class MetricsTest {
    @Test
    void requestsAndPipelinesAreMeasured() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.metered (id int PRIMARY KEY)");
        try (TestApp app = TestApp.start(Map.of())) {
            ApiClient api = app.client();
            String path = PipelineEvents.streamingPipeline(api, server, db, "metered", "metered");
            assertThat(api.post(path + "/start", "").status(), is(200));
            server.execute(db, "INSERT INTO public.metered SELECT g FROM generate_series(1, 42) g");
            PipelineEvents.await(api, path, 42, 20_000);
            Thread.sleep(1500); // the runner looks at the source's WAL once a second
            api.get("/api/v1/sources/00000000-0000-0000-0000-000000000000");

            ApiClient.Response metrics = api.get("/metrics");
            assertThat(metrics.status(), is(200));
            assertThat(metrics.header("Content-Type").orElseThrow(), containsString("text/plain"));
            String text = metrics.body();
            String requests = "philotes_http_server_requests_seconds_count";
            assertThat(text, containsString(requests + "{method=\"POST\",route=\"/api/v1/pipelines/{id}/start\",status=\"200\"} 1"));
            assertThat(text, containsString(requests + "{method=\"GET\",route=\"/api/v1/sources/{id}\",status=\"404\"} 1"));
            assertThat(text, containsString("philotes_pipeline_events{pipeline=\"metered\"} 42"));
            assertThat(text, containsString("philotes_pipeline_state{pipeline=\"metered\",state=\"running\"} 1"));
            assertThat(text, containsString("philotes_pipeline_state{pipeline=\"metered\",state=\"error\"} 0"));
            assertThat(text, containsString("philotes_pipeline_errors_total{pipeline=\"metered\"} 0"));
            assertThat(text.lines().filter(l -> l.startsWith("philotes_pipeline_lag_bytes{pipeline=\"metered\"}")).findFirst().orElseThrow(),
                       matchesPattern("philotes_pipeline_lag_bytes\\{pipeline=\"metered\"} [0-9.E]+"));
            assertThat(Metrics.route("/api/v1/sources/not-an-id/../../etc"), is("/api/v1/sources/{other}/{other}/{other}/{other}"));
            assertThat(Metrics.route("/"), is("/"));
            assertThat(api.post(path + "/stop", "").status(), is(200));
            assertThat(api.get("/metrics").body(), containsString("philotes_pipeline_state{pipeline=\"metered\",state=\"stopped\"} 1"));
        } finally {
            server.dropPipelineSlots();
        }
    }
}
