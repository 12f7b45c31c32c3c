package io.philotes.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import io.philotes.support.ApiClient;
import io.philotes.support.LogCapture;
import io.philotes.support.SourceJson;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

/** The first admin key, revocation across instances, and the switches: auth.enabled, metrics.public, the rate limit per key. */
class KeyLifecycleTest {
    @Test
    void theFirstStartWritesAnAdminKeyToAPrivateFileAndNoLaterStartReplacesIt() throws Exception {
        Path data = TestPostgres.tempDir("philotes-first-key");
        Map<String, String> noBootstrap = Map.of("auth.bootstrap.key", "", "data.dir", data.toString());
        Path keyFile = data.resolve("admin.key");
        String key;
        try (LogCapture logs = LogCapture.start(); TestApp app = TestApp.start(noBootstrap)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)), is("rw-------"));
            key = Files.readString(keyFile).trim();
            assertThat(key, matchesPattern("phk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}"));
            ApiClient admin = app.client().withKey(key);
            assertThat(admin.get("/api/v1/keys").json().getInt("total_count"), is(1));
            assertThat(admin.get("/api/v1/keys").json().getJsonArray("keys").getJsonObject(0).getString("name"), is("admin"));
            assertThat(app.client().get("/api/v1/sources").status(), is(401));
            assertThat(logs.text(), containsString(keyFile.toString()));
            assertThat(logs.text(), not(containsString(key.substring(17))));

            // Another instance on the same database, even with a bootstrap key, finds the admin key and adds none.
            TestPostgres.Coordinates db = app.database();
            Map<String, String> second = new HashMap<>(Map.of("db.url", db.url(), "db.username", db.user(), "db.password", db.password()));
            try (TestApp other = TestApp.startWithOwnDatabase(second)) {
                assertThat(other.client().get("/api/v1/sources").status(), is(401));
                assertThat(other.client().withKey(key).get("/api/v1/keys").json().getInt("total_count"), is(1));
            }
        }
        assertThat(Files.readString(keyFile).trim(), is(key));
    }

    @Test
    void aRevokedKeyStopsWorkingOnAnotherInstanceWithinOneSecond() throws Exception {
        try (TestApp first = TestApp.start(Map.of())) {
            TestPostgres.Coordinates db = first.database();
            try (TestApp second = TestApp.startWithOwnDatabase(Map.of("db.url", db.url(), "db.username", db.user(),
                                                                      "db.password", db.password()))) {
                for (int attempt = 0; attempt < 3; attempt++) {
                    String created = first.client().post("/api/v1/keys", "{\"name\":\"revoked-" + attempt + "\",\"role\":\"viewer\"}")
                            .json().getJsonObject("key").getString("secret");
                    String id = created.substring(4, 16);
                    ApiClient elsewhere = second.client().withKey(created);
                    // The second instance has the key in its cache when it is revoked on the first.
                    assertThat(elsewhere.get("/api/v1/sources").status(), is(200));
                    assertThat(first.client().delete("/api/v1/keys/" + id).status(), is(204));
                    // What the second instance read of the key is at most 500 ms old, however often the key is used meanwhile:
                    // past that, the next request is refused.
                    long revoked = System.nanoTime();
                    while (System.nanoTime() - revoked < 600_000_000L) {
                        elsewhere.get("/api/v1/sources");
                        Thread.sleep(10);
                    }
                    assertThat(elsewhere.get("/api/v1/sources").status(), is(401));
                }
            }
        }
    }

    @Test
    void withAuthDisabledEveryRequestIsServedAndEveryStartWarns() {
        try (LogCapture logs = LogCapture.start(); TestApp app = TestApp.start(Map.of("auth.enabled", "false"))) {
            ApiClient anyone = app.client().withKey(null);
            assertThat(anyone.post("/api/v1/sources", SourceJson.named("open", 5432).toString()).status(), is(201));
            assertThat(anyone.get("/api/v1/keys").status(), is(200));
            assertThat(logs.text(), containsString("auth.enabled (AUTH_ENABLED) is false"));
        }
    }

    @Test
    void metricsArePublicOnlyWhenConfigured() {
        try (TestApp app = TestApp.start(Map.of("metrics.public", "true"))) {
            assertThat(app.client().withKey(null).get("/metrics").status(), is(200));
            assertThat(app.client().withKey(null).get("/api/v1/config").status(), is(401));
        }
    }

    @Test
    void theRateLimitIsPerKeyForKeyedRequests() {
        try (TestApp app = TestApp.start(Map.of("http.rate.limit", "1", "http.rate.burst", "3"))) {
            ApiClient admin = app.client();
            String other = admin.post("/api/v1/keys", "{\"name\":\"limited\",\"role\":\"viewer\"}").json().getJsonObject("key").getString("secret");
            int limited = 0;
            for (int i = 0; i < 6; i++) {
                limited += admin.get("/api/v1/sources").status() == 429 ? 1 : 0;
            }
            assertThat("the admin key ran out", limited > 0, is(true));
            ApiClient.Response fresh = admin.withKey(other).get("/api/v1/sources");
            assertThat("another key from the same address has its own bucket", fresh.status(), is(200));
            ApiClient.Response anonymous = admin.withKey(null).get("/api/v1/version");
            assertThat("and so do requests without a key", anonymous.status(), is(200));
            ApiClient.Response exhausted = admin.get("/api/v1/sources");
            assertThat(exhausted.status(), is(429));
            assertThat(exhausted.json().getString("detail"), containsString("with this key"));
        }
    }
}
