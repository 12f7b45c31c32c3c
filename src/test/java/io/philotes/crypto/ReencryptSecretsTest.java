package io.philotes.crypto;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.philotes.support.ApiClient;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import io.philotes.support.WebhookReceiver;
import jakarta.json.Json;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** Key rotation end to end: the launcher's reencrypt-secrets command as a real process. */
class ReencryptSecretsTest {
    @Test
    void everyRowMovesToTheNewKeyAndEverySourceStillConnects() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        String password = "rotate-me-4Qx";
        String role = server.createRole(password, true);
        TestPostgres.Coordinates meta = TestPostgres.freshDatabase();
        Map<String, String> base = Map.of("db.url", meta.url(), "db.username", meta.user(), "db.password", meta.password());
        List<String> ids = new ArrayList<>();
        WebhookReceiver receiver = new WebhookReceiver();
        String sinks;
        String secret;
        try (TestApp app = TestApp.startWithOwnDatabase(with(base, "secrets.keys", TestApp.TEST_KEY))) {
            for (int i = 0; i < 3; i++) {
                ids.add(create(app, "rotated-" + i, server, db, role, password));
            }
            // A webhook sink's secret, its previous secret (a rotation's overlap) and its header values are sealed too.
            sinks = "/api/v1/pipelines/" + app.client().post("/api/v1/pipelines", "{\"name\":\"hooked\",\"source_id\":\"" + ids.getFirst() + "\"}")
                    .json().getJsonObject("pipeline").getString("id") + "/sinks";
            assertThat(app.client().post(sinks, "{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"" + receiver.url()
                    + "\",\"headers\":{\"X-Token\":\"t0ken\"}}").status(), is(201));
            secret = app.client().post(sinks + "/hook/rotate-secret", "").json().getString("secret");
        }

        Map<String, String> env = commandEnvironment(meta, TestApp.SECOND_KEY + "," + TestApp.TEST_KEY);
        env.put("SECRETS_ACTIVE", "test2");
        Outcome first = run(env);
        assertThat(first.output(), first.exitCode(), is(0));
        assertThat(first.output(), containsString("Re-encrypted 3 source password(s)"));
        assertThat(first.output(), containsString("Re-encrypted the secrets and headers of 1 webhook sink(s)"));
        assertThat(run(env).output(), containsString("Re-encrypted 0 source password(s)"));

        try (Connection c = meta.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT password_key_id FROM philotes.sources")) {
            rs.next();
            assertThat(rs.getString(1), is("test2"));
            assertThat(rs.next(), is(false));
        }
        try (Connection c = meta.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT secret_key_id || headers_key_id || previous_key_id FROM philotes.sinks")) {
            rs.next();
            assertThat(rs.getString(1), is("test2test2test2"));
        }
        try (TestApp app = TestApp.startWithOwnDatabase(with(base, "secrets.keys", TestApp.SECOND_KEY)); receiver) {
            for (String id : ids) {
                assertThat(app.client().post("/api/v1/sources/" + id + "/test", "").json().getBoolean("success"), is(true));
            }
            // With the old key gone, the sink still signs and sends its headers.
            try (Connection c = meta.connect(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, commit_time, schema_name, table_name, op)"
                        + " VALUES ('" + sinks.split("/")[4] + "', 1, '0/1', '0/1', now(), 'public', 't', 'truncate')");
            }
            long deadline = System.currentTimeMillis() + 20_000;
            while (receiver.received().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            WebhookReceiver.Delivery d = receiver.received().getFirst();
            assertThat(WebhookReceiver.verify(secret, d), is(true));
            assertThat(d.headers().get("x-token"), is("t0ken"));
        }
    }

    @Test
    void aPasswordStoredBeforeItWasBoundToItsEndpointIsMovedAndConnectsAgain() throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        String password = "legacy-8Rw";
        String role = server.createRole(password, true);
        TestPostgres.Coordinates meta = TestPostgres.freshDatabase();
        Map<String, String> config = Map.of("db.url", meta.url(), "db.username", meta.user(), "db.password", meta.password(),
                                            "secrets.keys", TestApp.TEST_KEY);
        String id;
        try (TestApp app = TestApp.startWithOwnDatabase(config)) {
            id = create(app, "legacy", server, db, role, password);
            // As an earlier version stored it: sealed for the row's id alone.
            SecretBox.Sealed legacy = Keyring.open(Keyring.parse(TestApp.TEST_KEY, ""), false, Path.of(".")).seal(password, id);
            try (Connection c = meta.connect();
                 PreparedStatement ps = c.prepareStatement("UPDATE philotes.sources SET password_ciphertext = ? WHERE id = CAST(? AS uuid)")) {
                ps.setBytes(1, legacy.bytes());
                ps.setString(2, id);
                assertThat(ps.executeUpdate(), is(1));
            }
            ApiClient.Response refused = app.client().post("/api/v1/sources/" + id + "/test", "");
            assertThat(refused.status(), is(409));
            assertThat(refused.json().getString("detail"), containsString("reencrypt-secrets"));
        }
        Map<String, String> env = commandEnvironment(meta, TestApp.TEST_KEY);
        // Without the flag an id-only ciphertext is not trusted: the command says which sources and fails.
        Outcome refused = run(env);
        assertThat(refused.exitCode(), is(1));
        assertThat(refused.output(), containsString("1 source password(s) open with no configured key and binding"));
        assertThat(refused.output(), containsString(id));
        Outcome bound = run(env, "--bind-legacy");
        assertThat(bound.output(), bound.exitCode(), is(0));
        assertThat(bound.output(), containsString("Re-encrypted 1 source password(s)"));
        assertThat(bound.output(), containsString("is now bound to 127.0.0.1:" + server.port()));
        assertThat(run(env).output(), containsString("Re-encrypted 0 source password(s)"));
        try (TestApp app = TestApp.startWithOwnDatabase(config)) {
            assertThat(app.client().post("/api/v1/sources/" + id + "/test", "").json().getBoolean("success"), is(true));
        }
    }

    /* A source on the test server, stored through the API; returns its id. */
    private static String create(TestApp app, String name, SourceServers.Server server, String db, String role, String password) {
        String body = Json.createObjectBuilder().add("name", name).add("host", "127.0.0.1").add("port", server.port())
                .add("database", db).add("username", role).add("password", password).add("ssl_mode", "disable").build().toString();
        return app.client().post("/api/v1/sources", body).json().getJsonObject("source").getString("id");
    }

    private static Map<String, String> commandEnvironment(TestPostgres.Coordinates meta, String keys) {
        Map<String, String> env = new HashMap<>();
        env.put("DB_URL", meta.url());
        env.put("DB_USERNAME", meta.user());
        env.put("DB_PASSWORD", meta.password());
        env.put("SECRETS_KEYS", keys);
        return env;
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private record Outcome(int exitCode, String output) {
    }

    private static Outcome run(Map<String, String> env, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.philotes.Main", "reencrypt-secrets"));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("DATA_DIR", TestPostgres.tempDir("philotes-rotate").toString());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Outcome(p.exitValue(), output);
    }
}
