package io.philotes.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.philotes.support.TestApp;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SettingsTest {
    @Test
    void defaultsAreValid() {
        Settings s = Settings.from(Settings.layered(Map.of(), ""));
        assertThat(s.server().port(), is(8080));
        assertThat(s.server().grace(), is(Duration.ofSeconds(30)));
        assertThat(s.http().bodyLimit(), is(1_048_576L));
        assertThat(s.http().rateLimit(), is(100));
        assertThat(s.http().rateBurst(), is(200));
        assertThat(s.http().corsOrigins(), is(List.of()));
        assertThat(s.db().embedded(), is(true));
        assertThat(s.db().sslMode(), is("prefer"));
    }

    @Test
    void everyBadValueIsReportedWithItsKeyAtOnce() {
        Map<String, String> bad = new HashMap<>();
        bad.put("server.port", "abc");
        bad.put("db.pool.size", "-3");
        bad.put("db.ssl.mode", "sometimes");
        bad.put("server.grace", "soon");
        bad.put("http.body.limit", "0");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestApp.settings(bad));
        assertThat(e.problems(), hasSize(5));
        assertThat(e.problems(), hasItem("server.port (SERVER_PORT) = 'abc' is not a whole number"));
        assertThat(e.problems(), hasItem("db.pool.size (DB_POOL_SIZE) = '-3' must be between 1 and 1000"));
        assertThat(e.problems(), hasItem("db.ssl.mode (DB_SSL_MODE) = 'sometimes' must be one of allow, disable, prefer, require, verify-ca,"
                                         + " verify-full"));
        assertThat(e.problems(), hasItem("server.grace (SERVER_GRACE) = 'soon' is not a duration (examples: 500ms, 5s, 2m, 1h, 7d, PT5S)"));
        assertThat(e.getMessage(), containsString("http.body.limit (HTTP_BODY_LIMIT) = '0' must be between 1 and"));
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertThat(TestApp.settings(Map.of("db.pool.timeout", "1500ms")).db().poolTimeout(), is(Duration.ofMillis(1500)));
        assertThat(TestApp.settings(Map.of("db.pool.timeout", "PT2S")).db().poolTimeout(), is(Duration.ofSeconds(2)));
        assertThat(TestApp.settings(Map.of("server.grace", "1m")).server().grace(), is(Duration.ofMinutes(1)));
        assertThrows(InvalidConfigException.class, () -> TestApp.settings(Map.of("db.pool.timeout", "10ms")));
    }

    @Test
    void databaseUrlMustBePostgresqlAndIsNeverPrintedWithCredentials() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> TestApp.settings(Map.of("db.url", "jdbc:mysql://u:hunter2@db/x?password=hunter2")));
        assertThat(e.getMessage(), containsString("db.url (DB_URL)"));
        assertThat(e.getMessage(), not(containsString("hunter2")));
        Settings s = TestApp.settings(Map.of("db.url", "jdbc:postgresql://u:hunter2@db:5432/meta?password=hunter2", "db.password", "hunter2"));
        assertThat(s.db().redactedUrl(), is("jdbc:postgresql://db:5432/meta"));
        assertThat(s.toString(), not(containsString("hunter2")));
    }
}
