package io.philotes;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** The launcher as a real separate process: exit codes and the messages operators see. */
class MainProcessTest {
    @Test
    void badConfigurationStopsStartupWithExitCode2() throws Exception {
        Result r = run(Map.of("SERVER_PORT", "abc", "DB_POOL_SIZE", "-1", "DB_SSL_MODE", "bogus"));
        assertThat(r.output, r.exitCode, is(2));
        assertThat(r.output, containsString("server.port (SERVER_PORT) = 'abc' is not a whole number"));
        assertThat(r.output, containsString("db.pool.size (DB_POOL_SIZE) = '-1'"));
        assertThat(r.output, containsString("db.ssl.mode (DB_SSL_MODE) = 'bogus'"));
    }

    @Test
    void anInvalidBootstrapKeyStopsStartupWithExitCode2NamingItButNotItsValue() throws Exception {
        for (String bad : List.of("too-short-7f3a", "has spaces in it but is long enough for the length rule",
                                  "phk_AbCdEfGhIjKl_" + "x".repeat(43))) {
            Result r = run(Map.of("AUTH_BOOTSTRAP_KEY", bad));
            assertThat(r.output, r.exitCode, is(2));
            assertThat(r.output, containsString("auth.bootstrap.key (AUTH_BOOTSTRAP_KEY) must be 32 to 128 characters"));
            assertThat(r.output, not(containsString(bad)));
        }
    }

    @Test
    void busyPortStopsStartupWithExitCode3() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        try (ServerSocket taken = new ServerSocket(0)) {
            Result r = run(Map.of("SERVER_PORT", String.valueOf(taken.getLocalPort()), "SERVER_HOST", "0.0.0.0",
                                  "DB_URL", db.url(), "DB_USERNAME", db.user(), "DB_PASSWORD", db.password()));
            assertThat(r.output, r.exitCode, is(3));
            assertThat(r.output, containsString("Port " + taken.getLocalPort() + " on 0.0.0.0 is already in use"));
        }
    }

    @Test
    void unknownArgumentIsAUsageError() throws Exception {
        Result r = run(Map.of(), "--frobnicate");
        assertThat(r.exitCode, is(2));
        assertThat(r.output, containsString("usage: philotes [serve|migrate|reencrypt-secrets [--bind-legacy]|version] [--config FILE]"));
    }

    @Test
    void versionCommandPrintsTheBuild() throws Exception {
        Result r = run(Map.of(), "version");
        assertThat(r.output, r.exitCode, is(0));
        assertThat(r.output, containsString("philotes 0.1.0"));
    }

    private static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.philotes.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DATA_DIR", TestPostgres.tempDir("philotes-main").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Philotes did not exit within 60 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String output) {
    }
}
