package io.philotes.sink;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures as the Standard Webhooks specification makes them: a secret is {@code whsec_} and the base64 of its key
 * (32 random bytes here); a signature is {@code v1,} and the base64 HMAC-SHA256, under that key, of
 * {@code <webhook-id>.<webhook-timestamp>.<body>}; several signatures (during a secret's rotation) are separated by spaces.
 */
final class Signing {
    private static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Signing() {
    }

    static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * The {@code webhook-signature} header.
     *
     * @param secrets   the secrets that sign, the current one first
     * @param id        the webhook-id
     * @param timestamp the webhook-timestamp
     * @param body      the body as sent
     * @return e.g. {@code v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=}
     */
    static String signature(List<String> secrets, String id, long timestamp, byte[] body) {
        StringBuilder header = new StringBuilder();
        for (String secret : secrets) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(PREFIX.length())), "HmacSHA256"));
                mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
                mac.update(body);
                if (!header.isEmpty()) {
                    header.append(' ');
                }
                header.append("v1,").append(Base64.getEncoder().encodeToString(mac.doFinal()));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalStateException("A sink's signing secret cannot sign (it is not whsec_<base64>)", null);
            }
        }
        return header.toString();
    }

    /* What a sink's sealed secret and headers are bound to: the sink and its URL. */
    static String binding(String what, Object sinkId, String url) {
        return "sink-" + what + ":" + sinkId + ":" + url;
    }
}
