package io.philotes.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.PageRequest;
import io.philotes.crypto.PrivateFiles;
import io.philotes.db.DatabaseErrors;

/**
 * API keys: creating, listing and revoking them, the first admin key, and checking the key of every request.
 *
 * <p>A key is {@code phk_<id>_<secret>}: a 12-character public id and 43 random base62 characters (256 bits).
 * Only its SHA-256 is stored; a presented key is hashed and compared with {@link MessageDigest#isEqual}, which
 * takes the same time wherever the hashes differ. Keys are random, so no slow hash is needed.
 *
 * <p>What a request's check reads from the database is kept for at most {@value #FRESH_MILLIS} ms, so a read
 * costs no query while a key revoked on any instance stops working everywhere within that time.
 */
public final class KeyService {
    private static final System.Logger LOG = System.getLogger(KeyService.class.getName());
    /** How a key sent by a client may look: a generated key or a bootstrap key. */
    private static final MessageDigest SHA_256 = sha256Digest();
    private static final String BOOTSTRAP_ID = "bootstrap";
    private static final String BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final long FRESH_MILLIS = 500;
    private static final long FRESH_NANOS = Duration.ofMillis(FRESH_MILLIS).toNanos();
    private static final long TOUCH_NANOS = Duration.ofMinutes(1).toNanos();
    private static final int MAX_UNKNOWN = 10_000;

    private final KeyRepository repository;
    private final SecureRandom random = new SecureRandom();
    /* Keys that exist (bounded by the keys in the database), and ids that do not (bounded here, emptied when full). */
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, Long> unknown = new ConcurrentHashMap<>();
    private final Map<String, Long> touched = new ConcurrentHashMap<>();

    public KeyService(KeyRepository repository) {
        this.repository = repository;
    }

    /**
     * A key just created, with the only copy of its secret the service ever hands out.
     *
     * @param key    the key
     * @param secret the whole key, {@code phk_<id>_<secret>}
     */
    public record Created(ApiKey key, String secret) {
        @Override
        public String toString() {
            return "Created[key=" + key + ", secret=***]";
        }
    }

    Created create(KeyDraft draft) {
        Set<UUID> missing = new HashSet<>(draft.pipelineIds());
        missing.removeAll(repository.existingPipelines(draft.pipelineIds()));
        if (!missing.isEmpty()) {
            List<UUID> ids = draft.pipelineIds();
            throw ApiException.validation(ids.stream().filter(missing::contains)
                    .map(id -> new FieldError("pipeline_ids[" + ids.indexOf(id) + "]", "no pipeline has the id " + id)).toList());
        }
        String id = randomText(12);
        String secret = "phk_" + id + "_" + randomText(43);
        try {
            return new Created(repository.insert(id, draft, sha256(secret)), secret);
        } catch (RuntimeException e) {
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.UNIQUE_VIOLATION)) {
                throw ApiException.conflict("A key named '" + draft.name() + "' exists; choose another name");
            }
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.FOREIGN_KEY_VIOLATION)) {
                throw ApiException.conflict("A pipeline in pipeline_ids was deleted while the key was created; try again");
            }
            throw e;
        }
    }

    PageRequest.Page<ApiKey> list(PageRequest page) {
        return page.page(repository.list(page), repository.count(), k -> new PageRequest.Cursor(k.createdAt(), k.id()));
    }

    ApiKey get(String id) {
        return (validId(id) ? repository.find(id) : Optional.<KeyRepository.StoredKey>empty())
                .map(KeyRepository.StoredKey::key)
                .orElseThrow(() -> notFound(id));
    }

    void revoke(String id) {
        KeyRepository.Deleted deleted = validId(id) ? repository.delete(id) : KeyRepository.Deleted.NOT_FOUND;
        switch (deleted) {
            case NOT_FOUND -> throw notFound(id);
            case LAST_ADMIN -> throw ApiException.conflict("Key " + id + " is the last admin key; create another admin key before"
                    + " revoking this one, or nobody could manage keys any more");
            case DELETED -> cache.remove(id);
        }
    }

    /**
     * Checks the key a request carried.
     *
     * @param presented the key as sent
     * @return the principal, or why the key does not work
     */
    public Authentication authenticate(String presented) {
        if (!presented(presented)) {
            return Denial.malformed("The API key is malformed: a key is 32 to 128 characters of A-Z, a-z, 0-9, '_' and '-'");
        }
        long now = System.nanoTime();
        return check(stored(id(presented), now), presented, now);
    }

    /**
     * The principal of a key this instance has checked before, without asking the database: what the rate
     * limiter buckets by, before any look-up (whether the key still works is decided by {@link #authenticate}).
     *
     * @param presented the key as sent
     * @return the principal, empty unless this instance found the key valid when it last read it
     */
    public Optional<Principal> cached(String presented) {
        Cached cached = presented(presented) ? cache.get(id(presented)) : null;
        return cached != null && matches(cached, presented) ? Optional.of(cached.principal()) : Optional.empty();
    }

    private static boolean matches(Cached cached, String presented) {
        return MessageDigest.isEqual(cached.key().secretHash(), sha256(presented));
    }

    private Authentication check(Cached cached, String presented, long now) {
        if (cached == null || !matches(cached, presented)) {
            return Denial.INVALID_KEY;
        }
        ApiKey key = cached.key().key();
        if (key.expiredAt(Instant.now())) {
            return new Denial(Denial.Reason.EXPIRED, "The API key expired at " + key.expiresAt().orElseThrow() + "; ask an admin for a new one");
        }
        touch(key, now);
        return cached.principal();
    }

    /* 32 to 128 of [A-Za-z0-9_-]: what a key may look like (checked by hand: this runs on every request). */
    private static boolean presented(String key) {
        if (key.length() < 32 || key.length() > 128) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(base62(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /* The id of phk_<12 base62>_<43 base62>; any other key can only be the bootstrap key. */
    private static String id(String presented) {
        if (presented.length() != 60 || !presented.startsWith("phk_") || presented.charAt(16) != '_') {
            return BOOTSTRAP_ID;
        }
        for (int i = 4; i < 60; i++) {
            if (i != 16 && !base62(presented.charAt(i))) {
                return BOOTSTRAP_ID;
            }
        }
        return presented.substring(4, 16);
    }

    private static boolean base62(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /**
     * Makes sure an admin key exists: the bootstrap key when one is configured, else a generated key written to
     * a file (mode 0600) whose path is logged, never the key.
     *
     * @param bootstrap the value of {@code auth.bootstrap.key}, if set
     * @param keyFile   where a generated key is written
     */
    public void ensureAdmin(Optional<String> bootstrap, Path keyFile) {
        if (bootstrap.isPresent()) {
            byte[] hash = sha256(bootstrap.get());
            if (repository.createFirstAdmin(BOOTSTRAP_ID, "bootstrap", hash, () -> { })) {
                LOG.log(System.Logger.Level.WARNING, "No admin key existed: created the admin key 'bootstrap' from auth.bootstrap.key"
                        + " (AUTH_BOOTSTRAP_KEY)");
            } else if (repository.find(BOOTSTRAP_ID).map(k -> !MessageDigest.isEqual(k.secretHash(), hash)).orElse(true)) {
                LOG.log(System.Logger.Level.WARNING, "auth.bootstrap.key (AUTH_BOOTSTRAP_KEY) is not the stored admin key 'bootstrap' and is"
                        + " not used: an admin key exists. Manage keys with the API, and unset the variable.");
            }
            return;
        }
        String id = randomText(12);
        String secret = "phk_" + id + "_" + randomText(43);
        if (repository.createFirstAdmin(id, "admin", sha256(secret), () -> PrivateFiles.replace(keyFile, secret))) {
            LOG.log(System.Logger.Level.WARNING, "No admin key existed: created one and wrote it to {0} (mode 0600). Send it as"
                    + " \"Authorization: Bearer <key>\", create the keys you need, then keep the file safe or delete it.", keyFile);
        }
    }

    /* The stored key, read again once it is older than FRESH_MILLIS; the time kept is the read's start. */
    private Cached stored(String id, long now) {
        Cached cached = cache.get(id);
        if (cached != null && now - cached.loadedAt() <= FRESH_NANOS) {
            return cached;
        }
        Long missing = unknown.get(id);
        if (cached == null && missing != null && now - missing <= FRESH_NANOS) {
            return null;
        }
        Optional<KeyRepository.StoredKey> found = repository.find(id);
        if (found.isPresent()) {
            ApiKey key = found.get().key();
            Cached loaded = new Cached(found.get(), new Principal(key.id(), key.name(), key.role(), Set.copyOf(key.pipelineIds())), now);
            cache.put(id, loaded);
            unknown.remove(id);
            return loaded;
        }
        cache.remove(id);
        if (unknown.size() >= MAX_UNKNOWN) {
            unknown.clear();
        }
        unknown.put(id, now);
        return null;
    }

    /* Records a use at most once a minute per key, off the request's path. */
    private void touch(ApiKey key, long now) {
        Long last = touched.get(key.id());
        if (last != null && now - last < TOUCH_NANOS) {
            return;
        }
        touched.put(key.id(), now);
        Thread.ofVirtual().name("philotes-key-touch").start(() -> {
            try {
                repository.touch(key.id());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "Recording the use of key {0} failed: {1}", key.id(), e.getMessage());
            }
        });
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return text.toString();
    }

    /* Names the id only when it has an id's form: a whole key sent as an id is not echoed. */
    private static ApiException notFound(String id) {
        return ApiException.notFound(validId(id) ? "No key with id " + id : "No key with that id (a key id is 1 to 32 letters and digits)");
    }

    private static boolean validId(String id) {
        return id != null && id.matches("[A-Za-z0-9]{1,32}");
    }

    static byte[] sha256(String key) {
        try {
            return ((MessageDigest) SHA_256.clone()).digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("The runtime's SHA-256 cannot be copied", e);
        }
    }

    /* A prototype to copy: cheaper than a provider look-up on every request. */
    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private record Cached(KeyRepository.StoredKey key, Principal principal, long loadedAt) {
    }
}
