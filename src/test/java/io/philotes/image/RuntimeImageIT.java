package io.philotes.image;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

/**
 * The slim runtime image that {@code jlink/build-image} made in {@code target/philotes-image} (the build
 * runs it before the integration tests): its launcher, run from another directory, as a real process.
 */
class RuntimeImageIT {
    private static final Path IMAGE = Path.of("target", "philotes-image").toAbsolutePath();
    private static final Path LAUNCHER = IMAGE.resolve("bin/philotes");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void versionRunsFromAnyDirectory() throws Exception {
        Run r = run(Map.of(), "version");
        assertThat(r.output(), r.exitCode(), is(0));
        assertThat(r.output(), containsString("philotes "));
        assertThat("the AOT cache serves the JVM", r.output(), not(containsString("AOT")));
    }

    @Test
    void slimImageWithoutDatabaseUrlSaysSoAndExits2() throws Exception {
        Run r = run(Map.of());
        assertThat(r.output(), r.exitCode(), is(2));
        assertThat(r.output(), containsString("db.url (DB_URL) is not set, and this build has no embedded PostgreSQL"));
    }

    @Test
    void migrateAppliesTheMigrationsAndExits() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        Map<String, String> env = Map.of("DB_URL", db.url(), "DB_USERNAME", db.user(), "DB_PASSWORD", db.password(),
                                         "SECRETS_KEYS", TestApp.TEST_KEY);
        Run first = run(env, "migrate");
        assertThat(first.output(), first.exitCode(), is(0));
        assertThat(first.output(), containsString("Applied [V001__metadata_schema.sql"));
        Run again = run(env, "migrate");
        assertThat(again.output(), again.exitCode(), is(0));
        assertThat(again.output(), containsString("The metadata database is up to date"));
    }

    @Test
    void servesAgainstPostgresqlAndStopsGracefullyOnSigterm() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        int port = freePort();
        Path cwd = TestPostgres.tempDir("philotes-image");
        Path log = cwd.resolve("philotes.log");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString()).directory(cwd.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("SERVER_HOST", "127.0.0.1", "SERVER_PORT", String.valueOf(port), "DB_URL", db.url(),
                                       "DB_USERNAME", db.user(), "DB_PASSWORD", db.password(), "SECRETS_KEYS", TestApp.TEST_KEY));
        Process philotes = pb.start();
        try {
            String base = "http://127.0.0.1:" + port;
            awaitReady(base, philotes, log);
            // No AUTH_BOOTSTRAP_KEY: the first start wrote an admin key for its operator, readable by nobody else.
            Path keyFile = cwd.resolve("data/admin.key");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)), is("rw-------"));
            String key = Files.readString(keyFile).trim();
            assertThat(key, matchesPattern("phk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}"));
            HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sources")).build(),
                                                       HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode(), is(401));
            HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sources"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"from-image\",\"host\":\"127.0.0.1\",\"port\":5432,"
                            + "\"database\":\"app\",\"username\":\"u\",\"password\":\"image-secret\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.body(), created.statusCode(), is(201));
            Matcher id = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"").matcher(created.body());
            assertThat(created.body(), id.find(), is(true));
            HttpResponse<String> read = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sources/" + id.group(1)))
                                                          .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode(), is(200));
            assertThat(read.body(), containsString("\"name\":\"from-image\""));
            assertThat(read.body(), not(containsString("image-secret")));
            // The console's files come from the jar inside the image.
            HttpResponse<String> console = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/ui/app.js")).build(),
                                                     HttpResponse.BodyHandlers.ofString());
            assertThat(console.statusCode(), is(200));
            assertThat(console.headers().firstValue("Content-Security-Policy").orElse(""), containsString("script-src 'self'"));
            assertThat(console.body(), containsString("/api/v1/me"));

            // The container's HEALTHCHECK command, run as Docker would run it.
            Run health = exec(Map.of("SERVER_PORT", String.valueOf(port)), healthCheck());
            assertThat(health.output(), health.exitCode(), is(0));

            philotes.destroy();   // SIGTERM
            assertThat("stopped within the grace period", philotes.waitFor(30, TimeUnit.SECONDS), is(true));
            assertThat(Files.readString(log), philotes.exitValue(), is(143));
            assertThat(Files.readString(log), containsString("philotes: stopped"));
            assertThat("the log names the key file, never the key", Files.readString(log), allOf(containsString("admin.key (mode 0600)"),
                                                                                                not(containsString(key))));
            assertThat("data lands in the caller's directory, not the image", Files.exists(IMAGE.resolve("data")), is(false));
        } finally {
            philotes.destroyForcibly();
        }
    }

    /* The CMD of the Dockerfile's HEALTHCHECK, a JSON array of strings. */
    private static List<String> healthCheck() throws IOException {
        String dockerfile = Files.readString(Path.of("jlink", "Dockerfile"));
        Matcher m = Pattern.compile("HEALTHCHECK[^\\n]*(?:\\\\\\n[^\\n]*)*?CMD \\[(.*)]").matcher(dockerfile);
        assertThat("the Dockerfile has a HEALTHCHECK with an exec-form CMD", m.find(), is(true));
        Matcher item = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(1));
        List<String> command = new ArrayList<>();
        while (item.find()) {
            command.add(item.group(1).replace("\\\\", "\u0000").replace("\\\"", "\"").replace("\\r", "\r").replace("\\n", "\n")
                                .replace("\u0000", "\\"));
        }
        return command;
    }

    private static void awaitReady(String base, Process philotes, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!philotes.isAlive()) {
                throw new AssertionError("Philotes exited with " + philotes.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                                                 HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not ready within 30 s:\n" + Files.readString(log));
    }

    private static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        return exec(env, command);
    }

    private static Run exec(Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(TestPostgres.tempDir("philotes-image").toFile()).redirectErrorStream(true);
        pb.environment().remove("DB_URL");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not exit within 60 s");
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private record Run(int exitCode, String output) {
    }
}
