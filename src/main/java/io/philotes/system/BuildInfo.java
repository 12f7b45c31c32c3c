package io.philotes.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Facts stamped into the jar at build time.
 *
 * @param version   project version
 * @param buildTime when it was built, RFC 3339
 * @param gitCommit abbreviated commit, with {@code -dirty} when built from uncommitted changes
 */
public record BuildInfo(String version, String buildTime, String gitCommit) {
    /**
     * Reads {@code META-INF/philotes/build.properties}.
     *
     * @return the build facts
     */
    public static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/META-INF/philotes/build.properties")) {
            if (in == null) {
                throw new IllegalStateException("build.properties is missing from the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String commit = resolved(p.getProperty("git_commit"));
        if (!"unknown".equals(commit) && "true".equals(p.getProperty("git_dirty"))) {
            commit += "-dirty";
        }
        return new BuildInfo(resolved(p.getProperty("version")), resolved(p.getProperty("build_time")), commit);
    }

    /* A value Maven could not fill (no git checkout) stays "${...}". */
    private static String resolved(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
    }
}
