package io.philotes.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals and opens secrets. A sealed value is {@code nonce (12 bytes) || ciphertext || tag (16 bytes)} and
 * is stored with the id of the key that sealed it. The associated data binds it to its owner: a value
 * copied to another row does not open.
 */
public final class SecretBox {
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Map<String, SecretKey> keys;
    private final String activeKeyId;
    private final SecureRandom random = new SecureRandom();

    /**
     * Creates a box over a key ring.
     *
     * @param keys        every key that may have sealed a stored value, by id
     * @param activeKeyId the key new values are sealed with
     */
    public SecretBox(Map<String, SecretKey> keys, String activeKeyId) {
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("The active key '" + activeKeyId + "' is not in the key ring");
        }
        this.keys = Map.copyOf(keys);
        this.activeKeyId = activeKeyId;
    }

    public String activeKeyId() {
        return activeKeyId;
    }

    /**
     * Seals a secret with the active key.
     *
     * @param plaintext the secret
     * @param owner     associated data, e.g. the owning row's id
     * @return the sealed value and its key id
     */
    public Sealed seal(String plaintext, String owner) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] encrypted = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = new byte[NONCE_BYTES + encrypted.length];
            System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
            System.arraycopy(encrypted, 0, sealed, NONCE_BYTES, encrypted.length);
            return new Sealed(activeKeyId, sealed);
        } catch (GeneralSecurityException e) {
            throw new SecretBoxException("The secret could not be encrypted with key '" + activeKeyId + "'", e);
        }
    }

    /**
     * Opens a sealed secret.
     *
     * @param sealed the stored value and its key id
     * @param owner  the same associated data it was sealed with
     * @return the secret
     * @throws SecretBoxException when the key is unknown or the value was altered or belongs to another owner
     */
    public String open(Sealed sealed, String owner) {
        SecretKey key = keys.get(sealed.keyId());
        if (key == null) {
            throw new SecretBoxException("The secret was encrypted with key '" + sealed.keyId()
                    + "', which is not configured (configured: " + String.join(", ", keys.keySet().stream().sorted().toList()) + ")", null);
        }
        byte[] value = sealed.bytes();
        if (value.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new SecretBoxException("The stored secret is truncated", null);
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, value, 0, NONCE_BYTES));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(value, NONCE_BYTES, value.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new SecretBoxException("The stored secret does not decrypt with key '" + sealed.keyId()
                    + "': it was altered, or belongs to another record", null);
        }
    }

    /**
     * A sealed secret as stored.
     *
     * @param keyId id of the key that sealed it
     * @param bytes nonce, ciphertext and tag
     */
    public record Sealed(String keyId, byte[] bytes) {
        @Override
        public String toString() {
            return "Sealed[keyId=" + keyId + ", " + bytes.length + " bytes]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sealed s && s.keyId.equals(keyId) && Arrays.equals(s.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return keyId.hashCode() * 31 + Arrays.hashCode(bytes);
        }
    }

    /** A secret that cannot be sealed or opened; the message never contains the secret or ciphertext. */
    public static final class SecretBoxException extends RuntimeException {
        SecretBoxException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
