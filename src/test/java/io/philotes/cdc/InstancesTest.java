package io.philotes.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.PipelineEvents;
import io.philotes.support.ServiceProcess;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** Two instances on one metadata database: each pipeline runs on one of them, and the other takes it over. */
class InstancesTest {
    private static final long WAIT_MILLIS = 30_000;

    @Test
    void onePipelineRunsOnOneInstanceAndTheOtherTakesOverWhenItGoes() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.items (id int PRIMARY KEY)");
        TestApp first = TestApp.start(Map.of());
        TestApp second = TestApp.startWithOwnDatabase(Map.of("db.url", first.database().url(), "db.username", first.database().user(),
                                                             "db.password", first.database().password()));
        try {
            ApiClient a = first.client();
            ApiClient b = second.client();
            String path = PipelineEvents.streamingPipeline(a, server, db, "shared", "items");
            String slot = PipelineEvents.slotName(path);
            assertThat(a.post(path + "/start", "").status(), is(200));
            assertThat(b.post(path + "/start", "").status(), is(409));
            server.execute(db, "INSERT INTO public.items SELECT g FROM generate_series(1, 100) g");
            awaitEvents(b, path, 100);
            Thread.sleep(2500); // more than a supervisor look of the second instance
            assertThat(walSenders(server, db, slot), is(1L));

            // A stop asked of the instance that does not run it reaches the one that does.
            PipelineEvents.stop(b, path, WAIT_MILLIS);
            assertThat(b.post(path + "/start", "").status(), is(200));
            server.execute(db, "INSERT INTO public.items SELECT g FROM generate_series(101, 150) g");
            awaitEvents(a, path, 150);

            first.close(); // the instance that ran it goes; its lease goes with it
            long gone = System.currentTimeMillis();
            server.execute(db, "INSERT INTO public.items SELECT g FROM generate_series(151, 200) g");
            List<JsonObject> events = awaitEvents(b, path, 200);
            long takeover = System.currentTimeMillis() - gone;
            assertThat("taken over after " + takeover + " ms", takeover < 30_000, is(true));
            assertThat(events.size(), is(200));
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).getInt("seq"), is(i + 1));
                assertThat(events.get(i).getJsonObject("after").getInt("id"), is(i + 1));
            }
            assertThat(b.get(path + "/status").json().getString("status"), is("running"));
            assertThat(b.post(path + "/stop", "").status(), is(200));
        } finally {
            second.close();
            first.close();
            server.dropPipelineSlots();
        }
    }

    @Test
    void whenTheOwnerIsKilledTheOtherInstanceTakesOverWithin30Seconds() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.orphaned (id int PRIMARY KEY)");
        TestPostgres.Coordinates metadata = TestPostgres.freshDatabase();
        Path log = Files.createTempFile("philotes-instances", ".log");
        ServiceProcess owner = new ServiceProcess(metadata, ServiceProcess.freePort(), log);
        ServiceProcess other = new ServiceProcess(metadata, ServiceProcess.freePort(), log);
        try {
            owner.start();
            ApiClient a = new ApiClient(owner.port());
            String path = PipelineEvents.streamingPipeline(a, server, db, "orphaned", "orphaned");
            assertThat(a.post(path + "/start", "").status(), is(200));
            other.start();
            server.execute(db, "INSERT INTO public.orphaned SELECT g FROM generate_series(1, 100) g");
            awaitEvents(a, path, 100);

            owner.kill(); // SIGKILL: its connections drop, and its lease with them
            long killed = System.currentTimeMillis();
            server.execute(db, "INSERT INTO public.orphaned SELECT g FROM generate_series(101, 200) g");
            ApiClient b = new ApiClient(other.port());
            List<JsonObject> events = awaitEvents(b, path, 200);
            long takeover = System.currentTimeMillis() - killed;
            assertThat("see " + log, events.size(), is(200));
            assertThat("taken over after " + takeover + " ms", takeover < 30_000, is(true));
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).getInt("seq"), is(i + 1));
                assertThat(events.get(i).getJsonObject("after").getInt("id"), is(i + 1));
            }
            assertThat(b.post(path + "/stop", "").status(), is(200));
        } finally {
            owner.kill();
            other.kill();
            server.dropPipelineSlots();
        }
    }


    @Test
    void anOwnerWhoseLeaseSessionIsKilledStopsAndTheOtherTakesOverWithNothingWrittenTwiceOrLost() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.fenced (id int PRIMARY KEY); CREATE TABLE public.second (id int PRIMARY KEY)");
        // The first instance looks rarely, so that it learns of the lost lease from a lease it takes, not from a look.
        TestApp first = TestApp.start(Map.of("pipelines.supervise.interval", "10s"));
        TestApp second = TestApp.startWithOwnDatabase(Map.of("db.url", first.database().url(), "db.username", first.database().user(),
                                                             "db.password", first.database().password(),
                                                             "pipelines.supervise.interval", "500ms"));
        try {
            ApiClient a = first.client();
            ApiClient b = second.client();
            String path = PipelineEvents.streamingPipeline(a, server, db, "fenced", "fenced");
            String other = PipelineEvents.streamingPipeline(a, server, db, "second", "second");
            assertThat(a.post(path + "/start", "").status(), is(200));
            long epoch = a.get(path + "/status").json().getJsonNumber("owner_epoch").longValue();
            server.execute(db, "INSERT INTO public.fenced SELECT g FROM generate_series(1, 100) g");
            awaitEvents(a, path, 100);

            // The first instance's lease session dies; the instance learns of it when it next takes a lease.
            try (Connection c = first.database().connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                           + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
            }
            a.post(other + "/start", "");
            Thread.sleep(200);
            server.execute(db, "INSERT INTO public.fenced SELECT g FROM generate_series(101, 200) g");

            // The other instance owns it now, alone on the slot, and every change is stored exactly once.
            PipelineEvents.awaitStatus(b, path, s -> s.getJsonNumber("owner_epoch").longValue() > epoch && s.getString("status").equals("running"),
                                       "a take-over: running at an epoch above " + epoch, WAIT_MILLIS);
            awaitEvents(b, path, 200);
            server.execute(db, "INSERT INTO public.fenced SELECT g FROM generate_series(201, 300) g");
            awaitEvents(b, path, 300);
            Thread.sleep(1000);
            List<JsonObject> events = PipelineEvents.all(b, path);
            assertThat(events.size(), is(300));
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).getInt("seq"), is(i + 1));
                assertThat(events.get(i).getJsonObject("after").getInt("id"), is(i + 1));
            }
            assertThat(b.get(path + "/status").json().getString("status"), is("running"));
            assertThat(walSenders(server, db, PipelineEvents.slotName(path)), is(1L));
            assertThat(b.post(path + "/stop", "").status(), is(200));
            b.post(other + "/stop", "");
        } finally {
            second.close();
            first.close();
            server.dropPipelineSlots();
        }
    }

    private static long walSenders(SourceServers.Server server, String db, String slot) throws SQLException {
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
                                            + " WHERE s.slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<JsonObject> awaitEvents(ApiClient api, String path, int count) {
        return PipelineEvents.await(api, path, count, WAIT_MILLIS);
    }
}
