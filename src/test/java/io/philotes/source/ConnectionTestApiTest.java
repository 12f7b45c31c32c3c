package io.philotes.source;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.philotes.support.ApiClient;
import io.philotes.support.LogCapture;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CDC pre-flight test against real PostgreSQL servers and misbehaving peers, loopback only. */
@PhilotesTest(config = {"sources.test.timeout=2s"})
class ConnectionTestApiTest {
    private static final String PASSWORD = "Rt7-correct-horse";
    private static final LogCapture LOGS = LogCapture.start();
    private static ApiClient api;
    private static SourceServers.Server logical;
    private static String database;
    private static String replicator;

    @BeforeAll
    static void start(ApiClient client) {
        api = client;
        logical = SourceServers.logical();
        database = logical.createDatabase();
        replicator = logical.createRole(PASSWORD, true);
    }

    @AfterAll
    static void stop() {
        LOGS.close();
    }

    private static JsonObject test(JsonObject body) {
        ApiClient.Response r = api.post("/api/v1/sources/test", body.toString());
        assertThat(r.toString(), r.status(), is(200));
        return r.json();
    }

    private static Map<String, JsonObject> checks(JsonObject report) {
        JsonArray checks = report.getJsonArray("checks");
        assertThat(checks.stream().map(c -> c.asJsonObject().getString("name")).toList(), is(ConnectionTester.CHECKS));
        Map<String, JsonObject> byName = new LinkedHashMap<>();
        checks.forEach(c -> byName.put(c.asJsonObject().getString("name"), c.asJsonObject()));
        return byName;
    }

    private static String status(Map<String, JsonObject> checks, String name) {
        return checks.get(name).getString("status");
    }

    @Test
    void logicalReadySourcePassesEveryCheck() {
        JsonObject report = test(SourceJson.on(logical, database, replicator, PASSWORD).build());
        Map<String, JsonObject> checks = checks(report);
        assertThat(report.toString(), report.getBoolean("success"), is(true));
        assertThat(report.toString(), report.getBoolean("cdc_ready"), is(true));
        for (String name : List.of("host_policy", "connect", "authenticate", "server_version", "wal_level", "replication_privilege",
                                   "replication_slots_free", "wal_senders_free")) {
            assertThat(name, status(checks, name), is("pass"));
        }
        assertThat(status(checks, "publication"), is("skip"));
        assertThat(checks.get("server_version").getString("observed"), containsString("17."));
        assertThat(report.getJsonObject("server_info").getString("database"), is(database));
        assertThat(report.getJsonNumber("latency_ms").longValue(), lessThan(2000L));
    }

    @Test
    void walLevelReplicaFailsWithTheFix() {
        SourceServers.Server replica = SourceServers.replicaOnly();
        String role = replica.createRole(PASSWORD, true);
        JsonObject report = test(SourceJson.on(replica, "postgres", role, PASSWORD).build());
        Map<String, JsonObject> checks = checks(report);
        assertThat(report.getBoolean("success"), is(true));
        assertThat(report.getBoolean("cdc_ready"), is(false));
        assertThat(status(checks, "wal_level"), is("fail"));
        assertThat(checks.get("wal_level").getString("observed"), is("replica"));
        assertThat(checks.get("wal_level").getString("expected"), is("logical"));
        assertThat(checks.get("wal_level").getString("remediation"), containsString("ALTER SYSTEM SET wal_level = logical"));
        assertThat(status(checks, "replication_privilege"), is("pass"));
    }

    @Test
    void roleWithoutReplicationFailsThePrivilegeCheck() {
        String plain = logical.createRole(PASSWORD, false);
        JsonObject report = test(SourceJson.on(logical, database, plain, PASSWORD).build());
        Map<String, JsonObject> checks = checks(report);
        assertThat(status(checks, "replication_privilege"), is("fail"));
        assertThat(checks.get("replication_privilege").getString("remediation"), is("ALTER ROLE \"" + plain + "\" WITH REPLICATION;"));
        assertThat(report.getBoolean("cdc_ready"), is(false));
    }

    /* Table copies write their watermarks with pg_logical_emit_message: a source that revoked it from PUBLIC says so. */
    @Test
    void aRoleThatMayNotWriteWatermarksFailsTheCopyCheckWithTheGrantThatFixesIt() {
        String db = logical.createDatabase();
        logical.execute(db, "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_logical_emit_message(boolean, text, text, boolean) FROM PUBLIC");
        String role = logical.createRole(PASSWORD, true);
        Map<String, JsonObject> checks = checks(test(SourceJson.on(logical, db, role, PASSWORD).build()));
        assertThat(status(checks, "copy_watermarks"), is("fail"));
        String grant = checks.get("copy_watermarks").getString("remediation");
        assertThat(grant, is("GRANT EXECUTE ON FUNCTION pg_catalog.pg_logical_emit_message(transactional boolean, prefix text, message text,"
                             + " flush boolean) TO \"" + role + "\";"));

        logical.execute(db, grant);
        checks = checks(test(SourceJson.on(logical, db, role, PASSWORD).build()));
        assertThat(status(checks, "copy_watermarks"), is("pass"));
        assertThat(status(checks, "replication_privilege"), is("pass"));
    }

    @Test
    void wrongPasswordFailsAuthenticationAndIsNeverShown() {
        String wrong = "Wr0ng-pass-9f2c";
        JsonObject report = test(SourceJson.on(logical, database, replicator, wrong).build());
        Map<String, JsonObject> checks = checks(report);
        assertThat(report.getBoolean("success"), is(false));
        assertThat(status(checks, "connect"), is("pass"));
        assertThat(status(checks, "authenticate"), is("fail"));
        assertThat(report.getString("error_detail"), containsString("authentication failed"));
        for (String later : ConnectionTester.CHECKS.subList(3, ConnectionTester.CHECKS.size())) {
            assertThat(status(checks, later), is("skip"));
        }
        assertThat(report.toString(), not(containsString(wrong)));
        assertThat(LOGS.text(), not(containsString(wrong)));
        assertThat(LOGS.text(), not(containsString(PASSWORD)));
    }

    @Test
    void missingDatabaseIsNamed() {
        JsonObject report = test(SourceJson.on(logical, "no_such_db", replicator, PASSWORD).build());
        assertThat(report.getString("error_detail"), containsString("database \"no_such_db\" does not exist"));
    }

    @Test
    void closedPortIsRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        JsonObject report = test(Json.createObjectBuilder(SourceJson.on(logical, "postgres", "u", "p").build()).add("port", port).build());
        Map<String, JsonObject> checks = checks(report);
        assertThat(status(checks, "connect"), is("fail"));
        assertThat(report.getString("error_detail"), containsString("connection refused"));
        assertThat(status(checks, "authenticate"), is("skip"));
    }

    @Test
    void listenerThatNeverAnswersTimesOutWithinTheBound() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            long start = System.nanoTime();
            JsonObject report = test(Json.createObjectBuilder(SourceJson.on(logical, "postgres", "u", "p").build())
                                             .add("port", silent.getLocalPort()).build());
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Bounded by the 2 s timeout once for the whole test, not per phase (without it the test would wait for the peer
            // forever); the bound leaves room for a loaded machine.
            assertThat("answered after " + millis + " ms", millis, lessThan(6_000L));
            Map<String, JsonObject> checks = checks(report);
            assertThat(status(checks, "connect"), is("pass"));
            assertThat(status(checks, "authenticate"), is("fail"));
            assertThat(report.getString("error_detail"), containsString("timeout"));
            // One connection per test, and an abandoned one is reset rather than left open for the peer to hold.
            assertThat(held.size(), is(1));
            Socket peer = held.getFirst();
            peer.setSoTimeout(1000);
            assertThrows(SocketException.class, () -> {
                while (peer.getInputStream().read() >= 0) {
                    // the login request the attempt sent, then the reset
                }
            });
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void publicationThatMissesTablesListsThem() {
        String db = logical.createDatabase();
        logical.execute(db, "CREATE TABLE public.orders (id int PRIMARY KEY); CREATE TABLE public.customers (id int PRIMARY KEY);"
                + " CREATE PUBLICATION orders_pub FOR TABLE public.orders;");
        JsonObject report = test(SourceJson.on(logical, db, replicator, PASSWORD).add("publication_name", "orders_pub").build());
        JsonObject publication = checks(report).get("publication");
        assertThat(publication.getString("status"), is("warn"));
        assertThat(publication.getString("message"), containsString("public.customers"));
        assertThat(publication.getString("message"), not(containsString("public.orders")));
        assertThat(publication.getString("remediation"), is("ALTER PUBLICATION \"orders_pub\" ADD TABLE public.customers;"));
        assertThat(report.getBoolean("cdc_ready"), is(true));

        JsonObject missing = test(SourceJson.on(logical, db, replicator, PASSWORD).add("publication_name", "nope_pub").build());
        assertThat(checks(missing).get("publication").getString("status"), is("fail"));
        assertThat(missing.getBoolean("cdc_ready"), is(false));
    }

    @Test
    void namedSlotIsChecked() {
        String db = logical.createDatabase();
        logical.execute(db, "SELECT pg_create_logical_replication_slot('good_slot', 'pgoutput');"
                + " SELECT pg_create_logical_replication_slot('decoder_slot', 'test_decoding');");
        try {
            assertThat(checks(test(SourceJson.on(logical, db, replicator, PASSWORD).add("slot_name", "good_slot").build()))
                               .get("slot").getString("status"), is("pass"));
            JsonObject wrongPlugin = checks(test(SourceJson.on(logical, db, replicator, PASSWORD).add("slot_name", "decoder_slot").build()))
                    .get("slot");
            assertThat(wrongPlugin.getString("status"), is("fail"));
            assertThat(wrongPlugin.getString("observed"), is("test_decoding"));
            assertThat(checks(test(SourceJson.on(logical, db, replicator, PASSWORD).add("slot_name", "absent_slot").build()))
                               .get("slot").getString("status"), is("fail"));
        } finally {
            logical.execute(db, "SELECT pg_drop_replication_slot('good_slot'); SELECT pg_drop_replication_slot('decoder_slot');");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "::ffff:169.254.169.254", "fe80::1", "metadata.philotes.test", "100.100.100.200",
                            "fd00:ec2::254"})
    void deniedAddressesAreRefusedBeforeAnyConnection(String host) {
        JsonObject report = test(Json.createObjectBuilder(SourceJson.on(logical, "postgres", "u", "p").build()).add("host", host).build());
        Map<String, JsonObject> checks = checks(report);
        assertThat(status(checks, "host_policy"), is("fail"));
        assertThat(checks.get("host_policy").getString("message"), containsString("link-local or cloud-metadata"));
        assertThat(status(checks, "connect"), is("skip"));
    }

    @Test
    void unknownHostIsNamed() {
        JsonObject report = test(Json.createObjectBuilder(SourceJson.on(logical, "postgres", "u", "p").build())
                                         .add("host", "nowhere.philotes.test").build());
        assertThat(report.getString("error_detail"), containsString("unknown host"));
        assertThat(checks(report).get("host_policy").getString("status"), is("fail"));
    }

    @Test
    void savedSourceTestSetsStatusAndLastTestedAt() {
        JsonObject body = Json.createObjectBuilder(SourceJson.on(logical, database, replicator, PASSWORD).build()).add("name", "saved-ok").build();
        JsonObject source = api.post("/api/v1/sources", body.toString()).json().getJsonObject("source");
        String path = "/api/v1/sources/" + source.getString("id");
        ApiClient.Response tested = api.post(path + "/test", "");
        assertThat(tested.status(), is(200));
        assertThat(tested.json().getBoolean("cdc_ready"), is(true));
        JsonObject after = api.get(path).json().getJsonObject("source");
        assertThat(after.getString("status"), is("active"));
        assertThat(after.containsKey("last_tested_at"), is(true));
        assertThat(after.getInt("version"), is(2));
        assertThat(tested.header("ETag").orElseThrow(), is("\"2\""));

        api.put(path, "{\"password\":\"not-it\"}");
        assertThat(api.get(path).json().getJsonObject("source").getString("status"), is("inactive"));
        assertThat(api.post(path + "/test", "").json().getBoolean("success"), is(false));
        assertThat(api.get(path).json().getJsonObject("source").getString("status"), is("error"));
        assertThat(api.post("/api/v1/sources/00000000-0000-0000-0000-000000000000/test", "").status(), is(404));
    }

    @Test
    void unsavedTestValidatesItsBodyAndStoresNothing() {
        long before = api.get("/api/v1/sources").json().getJsonNumber("total_count").longValue();
        ApiClient.Response bad = api.post("/api/v1/sources/test", "{\"host\":\"h?x=1\",\"port\":0}");
        assertThat(bad.problemSlug(), is("validation-error"));
        test(SourceJson.on(logical, database, replicator, PASSWORD).build());
        assertThat(api.get("/api/v1/sources").json().getJsonNumber("total_count").longValue(), is(before));
    }
}
