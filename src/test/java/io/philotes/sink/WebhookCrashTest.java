package io.philotes.sink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestPostgres;
import io.philotes.support.WebhookReceiver;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/** A service process killed with SIGKILL while it delivers a webhook sink loses nothing and sends nothing out of order. */
class WebhookCrashTest {
    private static final long WAIT_MILLIS = 120_000;

    @Test
    void aSigkillDuringDeliveryLosesNothingAndRepeatsOnlyTheBatchInFlightUnderItsId() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.items (id int PRIMARY KEY)");
        TestPostgres.Coordinates metadata = TestPostgres.freshDatabase();
        Path log = Files.createTempFile("philotes-webhook-kill", ".log");
        ServiceProcess service = new ServiceProcess(metadata, ServiceProcess.freePort(), log);
        service.start();
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            ApiClient api = new ApiClient(service.port());
            String path = PipelineEvents.streamingPipeline(api, server, db, "killed-hooks", "items");
            assertThat(api.post(path + "/start", "").status(), is(200));
            PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
            ApiClient.Response created = api.post(path + "/sinks", "{\"name\":\"hooks\",\"type\":\"webhook\",\"url\":\"" + receiver.url()
                    + "\",\"batch_size\":10}");
            assertThat(created.toString(), created.status(), is(201));
            String secret = created.json().getString("secret");
            receiver.answer(d -> new WebhookReceiver.Reply(200, 100, 0, null));
            server.execute(db, "INSERT INTO public.items SELECT g FROM generate_series(1, 300) g");
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (receiver.acceptedSeqs().size() < 50 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            service.kill();
            int atKill = receiver.acceptedSeqs().size();
            assertThat("killed in the middle", atKill, lessThan(300));
            server.execute(db, "INSERT INTO public.items SELECT g FROM generate_series(301, 400) g");
            service.start();
            while (receiver.acceptedSeqs().stream().distinct().count() < 400 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= 400; s++) {
                expected.add(s);
            }
            // Each batch once by its webhook-id, in the order they first arrived: every event, in order.
            Map<String, List<Long>> batches = new LinkedHashMap<>();
            long highest = 0;
            for (WebhookReceiver.Delivery d : receiver.received()) {
                assertThat("signature", WebhookReceiver.verify(secret, d), is(true));
                List<Long> seqs = d.seqs();
                assertThat("no gap before " + d.id(), seqs.getFirst(), lessThan(highest + 2));
                highest = Math.max(highest, seqs.getLast());
                List<Long> earlier = batches.putIfAbsent(d.id(), seqs);
                assertThat("a repeated webhook-id carries the same events", earlier == null || earlier.equals(seqs), is(true));
            }
            assertThat(batches.values().stream().flatMap(List::stream).toList(), is(expected));
            assertThat(receiver.received().size(), greaterThan(39));
        } finally {
            service.kill();
            server.dropPipelineSlots();
        }
    }

    @Test
    void aSinkWhoseAddressTheHostPolicyRefusesNowSendsNothingAndSaysWhy() throws Exception {
        TestPostgres.Coordinates metadata = TestPostgres.freshDatabase();
        Path log = Files.createTempFile("philotes-webhook-policy", ".log");
        ServiceProcess service = new ServiceProcess(metadata, ServiceProcess.freePort(), log);
        service.start();
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            ApiClient api = new ApiClient(service.port());
            String source = api.post("/api/v1/sources", SourceJson.named("policy-source", 5432).toString()).json().getJsonObject("source")
                    .getString("id");
            String path = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", "{\"name\":\"policy\",\"source_id\":\"" + source + "\"}").json()
                    .getJsonObject("pipeline").getString("id");
            assertThat(api.post(path + "/sinks", "{\"name\":\"hooks\",\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\"}").status(),
                       is(201));
            // The address was allowed when the sink was made; the operator denies it now (as a name that resolves
            // elsewhere later would be).
            service.kill();
            service.start(Map.of("SOURCES_HOSTS_DENY", "127.0.0.0/8"));
            try (Connection c = metadata.connect(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, commit_time, schema_name, table_name, op)"
                        + " SELECT '" + path.substring(path.lastIndexOf('/') + 1) + "', g, '0/1', '0/1', now(), 'public', 't', 'truncate'"
                        + " FROM generate_series(1, 3) g");
            }
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            JsonObject sink;
            do {
                Thread.sleep(100);
                sink = api.get(path + "/sinks/hooks").json().getJsonObject("sink");
            } while (!sink.containsKey("last_error") && System.currentTimeMillis() < deadline);
            assertThat(sink.getString("last_error"), containsString("not sent: address 127.0.0.1 is denied by the host policy (rule 127.0.0.0/8)"));
            assertThat(sink.getString("state"), is("retrying"));
            assertThat(receiver.received().size(), is(0));
        } finally {
            service.kill();
        }
    }
}
