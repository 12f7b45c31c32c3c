package io.philotes.crypto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds the secret box from configuration: {@code secrets.keys} holds {@code id:base64} pairs (32-byte
 * keys) separated by commas, {@code secrets.active} names the one new secrets use. For the embedded
 * first-try setup only, a key file is created in the data directory with mode 0600 when no key is
 * configured; an external metadata database without configured keys is refused.
 */
public final class Keyring {
    /** Id of the key kept in the data directory's key file. */
    public static final String FILE_KEY_ID = "local";
    private static final System.Logger LOG = System.getLogger(Keyring.class.getName());
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final String HOW_TO = "Create a key with: head -c 32 /dev/urandom | base64 -w0 ; then set SECRETS_KEYS=k1:<that value>"
            + " and SECRETS_ACTIVE=k1 (keep the key safe: without it stored source passwords cannot be read)";

    private Keyring() {
    }

    /**
     * Parses the configured keys.
     *
     * @param keys   the {@code secrets.keys} value
     * @param active the {@code secrets.active} value, may be empty when exactly one key is configured
     * @return problems as text, each naming the key id but never the key, or the keys in order
     */
    public static Parsed parse(String keys, String active) {
        Map<String, SecretKey> ring = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String entry : keys.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            String id = colon < 0 ? "" : trimmed.substring(0, colon);
            if (!KEY_ID.matcher(id).matches()) {
                problems.add("secrets.keys (SECRETS_KEYS): every entry must be id:base64-key with an id of letters, digits, '.', '_' or '-'");
                continue;
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                problems.add("secrets.keys (SECRETS_KEYS): key '" + id + "' is not valid base64");
                continue;
            }
            if (key.length != 32) {
                problems.add("secrets.keys (SECRETS_KEYS): key '" + id + "' has " + key.length + " bytes; AES-256 needs 32");
                continue;
            }
            if (ring.put(id, new SecretKeySpec(key, "AES")) != null) {
                problems.add("secrets.keys (SECRETS_KEYS): key id '" + id + "' appears twice");
            }
        }
        String activeId = active.isBlank() && ring.size() == 1 ? ring.keySet().iterator().next() : active.trim();
        if ((!activeId.isBlank() || !ring.isEmpty()) && !ring.containsKey(activeId)) {
            problems.add("secrets.active (SECRETS_ACTIVE) = '" + activeId + "' must name one of the configured keys: " + ring.keySet());
        }
        return new Parsed(ring, activeId, problems);
    }

    /**
     * The secret box for this process.
     *
     * @param configured     the parsed configuration
     * @param embedded       whether the metadata database is the embedded first-try one
     * @param dataDir        the data directory, for the key file
     * @return the box
     * @throws IllegalStateException with instructions when no key can be had
     */
    public static SecretBox open(Parsed configured, boolean embedded, Path dataDir) {
        Map<String, SecretKey> ring = new LinkedHashMap<>(configured.keys());
        String active = configured.activeId();
        Path file = dataDir.resolve("secret.key");
        if (embedded && (Files.exists(file) || ring.isEmpty())) {
            SecretKey fileKey = readOrCreate(file);
            ring.putIfAbsent(FILE_KEY_ID, fileKey);
            if (configured.keys().isEmpty()) {
                active = FILE_KEY_ID;
            }
        }
        if (ring.isEmpty()) {
            throw new IllegalStateException("No secret key is configured, and an external metadata database needs one to"
                    + " encrypt source passwords. " + HOW_TO);
        }
        return new SecretBox(ring, active);
    }

    private static SecretKey readOrCreate(Path file) {
        String text = PrivateFiles.readOrCreate(file, () -> {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            LOG.log(System.Logger.Level.WARNING, "Creating a secret key for source passwords at {0} (mode 0600). It is fine for"
                    + " a first try; in production configure SECRETS_KEYS and keep the key outside the data directory.", file);
            return Base64.getEncoder().encodeToString(key);
        });
        try {
            byte[] key = Base64.getDecoder().decode(text);
            if (key.length != 32) {
                throw new IllegalStateException("The key file " + file + " does not hold a 32-byte base64 key");
            }
            return new SecretKeySpec(key, "AES");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The key file " + file + " is not valid base64");
        }
    }

    /**
     * Configured keys.
     *
     * @param keys     keys by id, in configuration order
     * @param activeId the active key's id
     * @param problems what is wrong with the configuration
     */
    public record Parsed(Map<String, SecretKey> keys, String activeId, List<String> problems) {
        @Override
        public String toString() {
            return "Keyring.Parsed[keys=" + keys.keySet() + ", activeId=" + activeId + "]";
        }
    }
}
