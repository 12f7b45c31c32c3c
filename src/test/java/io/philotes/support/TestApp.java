package io.philotes.support;

import java.util.HashMap;
import java.util.Map;

import io.philotes.Main;
import io.philotes.Philotes;
import io.philotes.config.Settings;

/**
 * Starts the real service, wired exactly as {@code Main} wires it, on a free port and a fresh test
 * database. Rate limiting is off unless a test turns it on.
 */
public final class TestApp implements AutoCloseable {
    /** The secret key tests run with, as {@code secrets.keys} takes it. */
    public static final String TEST_KEY = "test1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    /** The admin API key every test service starts with ({@code auth.bootstrap.key}); {@link ApiClient} sends it by default. */
    public static final String ADMIN_KEY = "test-admin-key-0123456789-abcdefghijklmnop";
    /** A second key, for rotation tests. */
    public static final String SECOND_KEY = "test2:ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=";

    private final Philotes philotes;
    private final ApiClient client;
    private final TestPostgres.Coordinates database;

    private TestApp(Philotes philotes, TestPostgres.Coordinates database) {
        this.philotes = philotes;
        this.database = database;
        this.client = new ApiClient(philotes.port());
    }

    /**
     * Starts on a fresh database with default settings.
     *
     * @return the running service
     */
    public static TestApp start() {
        return start(Map.of());
    }

    /**
     * Starts on a fresh database.
     *
     * @param overrides configuration keys to change
     * @return the running service
     */
    public static TestApp start(Map<String, String> overrides) {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        Map<String, String> config = new HashMap<>();
        config.put("db.url", db.url());
        config.put("db.username", db.user());
        config.put("db.password", db.password());
        config.putAll(overrides);
        return new TestApp(Main.start(settings(config)), db);
    }

    /**
     * Starts with exactly the given database settings (for tests that bring their own database).
     *
     * @param overrides configuration keys to change, including the {@code db.*} keys
     * @return the running service
     */
    public static TestApp startWithOwnDatabase(Map<String, String> overrides) {
        return new TestApp(Main.start(settings(overrides)), null);
    }

    /**
     * Settings as the service would read them, with test defaults and the given overrides.
     *
     * @param overrides keys to change
     * @return validated settings
     */
    public static Settings settings(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>();
        config.put("server.port", "0");
        config.put("server.host", "127.0.0.1");
        config.put("server.grace", "2s");
        config.put("http.rate.limit", "0");
        config.put("secrets.keys", TEST_KEY);
        config.put("auth.bootstrap.key", ADMIN_KEY);
        config.put("data.dir", TestPostgres.tempDir("philotes-data").toString());
        config.putAll(overrides);
        return Settings.from(Settings.layered(config, ""));
    }

    public ApiClient client() {
        return client;
    }

    public Philotes philotes() {
        return philotes;
    }

    public TestPostgres.Coordinates database() {
        return database;
    }

    public int port() {
        return philotes.port();
    }

    @Override
    public void close() {
        philotes.close();
    }
}
