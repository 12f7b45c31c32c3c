package io.philotes.sink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.SourceServers;
import io.philotes.support.TestPostgres;
import io.philotes.support.WebhookReceiver;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
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
}
