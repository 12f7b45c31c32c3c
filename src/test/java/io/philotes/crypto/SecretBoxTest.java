package io.philotes.crypto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SecretBoxTest {
    private final SecretBox box = Keyring.open(Keyring.parse(TestApp.TEST_KEY + "," + TestApp.SECOND_KEY, "test1"), false, Path.of("."));

    @Test
    void roundTripsAndEveryEncryptionDiffers() {
        SecretBox.Sealed a = box.seal("hunter2", "row-1");
        SecretBox.Sealed b = box.seal("hunter2", "row-1");
        assertThat(Arrays.equals(a.bytes(), b.bytes()), is(false));
        assertThat(box.open(a, "row-1"), is("hunter2"));
        assertThat(a.keyId(), is("test1"));
        assertThat(a.toString(), not(containsString("hunter2")));
    }

    @Test
    void aCiphertextMovedToAnotherRowDoesNotOpen() {
        SecretBox.Sealed a = box.seal("hunter2", "row-1");
        SecretBox.SecretBoxException e = assertThrows(SecretBox.SecretBoxException.class, () -> box.open(a, "row-2"));
        assertThat(e.getMessage(), not(containsString("hunter2")));
    }

    @Test
    void anyFlippedByteFails() {
        SecretBox.Sealed a = box.seal("hunter2", "row-1");
        for (int i = 0; i < a.bytes().length; i++) {
            byte[] flipped = a.bytes().clone();
            flipped[i] ^= 0x01;
            int at = i;
            assertThrows(SecretBox.SecretBoxException.class, () -> box.open(new SecretBox.Sealed("test1", flipped), "row-1"), "byte " + at);
        }
    }

    @Test
    void anUnknownKeyIsNamed() {
        SecretBox.Sealed a = box.seal("hunter2", "row-1");
        SecretBox other = Keyring.open(Keyring.parse(TestApp.SECOND_KEY, ""), false, Path.of("."));
        SecretBox.SecretBoxException e = assertThrows(SecretBox.SecretBoxException.class, () -> other.open(a, "row-1"));
        assertThat(e.getMessage(), containsString("key 'test1', which is not configured"));
    }

    @Test
    void badKeyConfigurationIsReportedWithoutTheKey() {
        List<String> problems = Keyring.parse("short:AAAA,bad id:AAAA,x:not-base64!", "missing").problems();
        assertThat(problems, hasItem("secrets.keys (SECRETS_KEYS): key 'short' has 3 bytes; AES-256 needs 32"));
        assertThat(problems, hasItem("secrets.keys (SECRETS_KEYS): key 'x' is not valid base64"));
        assertThat(String.join(" ", problems), containsString("secrets.active (SECRETS_ACTIVE) = 'missing'"));
        assertThat(String.join(" ", problems), not(containsString("AAAA")));
    }

    @Test
    void embeddedSetupCreatesAPrivateKeyFileOnceAndExternalSetupNeedsAKey() throws Exception {
        Path dir = TestPostgres.tempDir("philotes-keys");
        SecretBox first = Keyring.open(Keyring.parse("", ""), true, dir);
        Path file = dir.resolve("secret.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), is("rw-------"));
        SecretBox second = Keyring.open(Keyring.parse("", ""), true, dir);
        assertThat(second.open(first.seal("x", "o"), "o"), is("x"));
        assertThat(first.activeKeyId(), is(Keyring.FILE_KEY_ID));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Keyring.open(Keyring.parse("", ""), false, TestPostgres.tempDir("philotes-nokey")));
        assertThat(e.getMessage(), containsString("head -c 32 /dev/urandom | base64"));
    }

    @Test
    void externalDatabaseWithoutKeyRefusesToStart() {
        Map<String, String> noKey = Map.of("secrets.keys", "");
        RuntimeException e = assertThrows(RuntimeException.class, () -> TestApp.start(noKey));
        assertThat(e.getMessage(), containsString("No secret key is configured"));
    }
}
