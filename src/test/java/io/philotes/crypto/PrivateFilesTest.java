package io.philotes.crypto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** Secret files are the owner's alone: when created, when replaced, and when someone loosened them. */
class PrivateFilesTest {
    @Test
    void createdReplacedAndReadFilesAreOwnerOnly() throws Exception {
        Path dir = TestPostgres.tempDir("philotes-private");
        Path file = dir.resolve("secret.txt");
        assertThat(PrivateFiles.readOrCreate(file, () -> "first"), is("first"));
        assertThat(PrivateFiles.readOrCreate(file, () -> "second"), is("first"));
        assertThat(mode(file), is("rw-------"));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(PrivateFiles.readOrCreate(file, () -> "third"), is("first"));
        assertThat(mode(file), is("rw-------"));

        PrivateFiles.replace(file, "replaced");
        assertThat(Files.readString(file), is("replaced\n"));
        assertThat(mode(file), is("rw-------"));
        try (var left = Files.list(dir)) {
            assertThat("no temporary file is left", left.count(), is(1L));
        }
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
