package io.philotes.source;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Pattern;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.PageRequest;
import io.philotes.core.ProblemType;
import io.philotes.core.SourceStatus;
import io.philotes.crypto.SecretBox;
import io.philotes.db.DatabaseErrors;

/**
 * The rules of sources: unique names, sealed passwords bound to their row, status transitions, the
 * conditions of a write (If-Match), and that a source in use by a pipeline stays.
 */
public final class SourceService {
    private static final System.Logger LOG = System.getLogger(SourceService.class.getName());
    private static final Pattern SCHEMA = Pattern.compile("\\*|[^\\x00]{1,63}");

    private final SourceRepository repository;
    private final SecretBox secrets;
    private final ConnectionTester tester;
    private final TableDiscovery discovery;

    public SourceService(SourceRepository repository, SecretBox secrets, ConnectionTester tester, TableDiscovery discovery) {
        this.repository = repository;
        this.secrets = secrets;
        this.tester = tester;
        this.discovery = discovery;
    }

    Source create(SourceDraft d) {
        UUID id = UUID.randomUUID();
        int port = d.port() == null ? 5432 : d.port();
        String sslMode = d.sslMode() == null ? "prefer" : d.sslMode();
        Source source = new Source(id, d.name(), d.type() == null ? "postgresql" : d.type(), d.host(), port, d.database(), d.username(),
                secrets.seal(d.password(), binding(id, d.host(), port, d.database(), d.username(), sslMode)), sslMode,
                emptyToNull(d.slotName()), emptyToNull(d.publicationName()), SourceStatus.INACTIVE, null, null, null, 1);
        try {
            return repository.insert(source);
        } catch (RuntimeException e) {
            throw duplicateName(e, d.name());
        }
    }

    Source get(UUID id) {
        return repository.find(id).orElseThrow(() -> notFound(id));
    }

    PageRequest.Page<Source> list(String statusText, PageRequest page) {
        SourceStatus status = statusText == null ? null : SourceStatus.WORDS.parse(statusText).orElseThrow(() -> ApiException.validation(
                List.of(new FieldError("status", "must be one of " + SourceStatus.WORDS.list()))));
        return page.page(repository.list(status, page), repository.count(status), s -> new PageRequest.Cursor(s.createdAt(), s.id()));
    }

    Source update(UUID id, SourceDraft d, OptionalInt ifMatch) {
        Source current = get(id);
        if (ifMatch.isPresent() && ifMatch.getAsInt() != current.version()) {
            throw ApiException.stale("Source " + id, current.version(), ifMatch.getAsInt());
        }
        if (d.type() != null && !d.type().equals(current.type())) {
            throw ApiException.validation(List.of(new FieldError("type", "cannot be changed")));
        }
        if (d.password() == null && movesEndpoint(d, current)) {
            // The stored password was given for the endpoint it is stored with; it must never follow the source
            // to another server (one that asks for a cleartext password would receive it).
            throw new ApiException(ProblemType.UNPROCESSABLE_CONTENT, "Source " + id + " keeps its password only for the endpoint it was"
                    + " given for; send the password again to change host, port, database, username or ssl_mode",
                    List.of(new FieldError("password", "is required when host, port, database, username or ssl_mode change")), Map.of());
        }
        String host = or(d.host(), current.host());
        int port = d.port() != null ? d.port() : current.port();
        String database = or(d.database(), current.database());
        String username = or(d.username(), current.username());
        String sslMode = or(d.sslMode(), current.sslMode());
        SecretBox.Sealed password = d.password() != null ? secrets.seal(d.password(), binding(id, host, port, database, username, sslMode))
                : current.password();
        Source changed = new Source(id, or(d.name(), current.name()), current.type(), host, port, database, username,
                password, sslMode,
                d.slotName() != null ? emptyToNull(d.slotName()) : current.slotName(),
                d.publicationName() != null ? emptyToNull(d.publicationName()) : current.publicationName(),
                d.changesConnection() ? SourceStatus.INACTIVE : current.status(), current.lastTestedAt(), current.createdAt(), current.updatedAt(),
                current.version());
        try {
            return repository.update(changed).orElseThrow(() -> staleOrGone(id, current.version()));
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw duplicateName(e, changed.name());
        }
    }

    /* Whether the update points the stored password at another server, database, user or TLS setting. */
    private static boolean movesEndpoint(SourceDraft d, Source current) {
        return d.host() != null && !d.host().equals(current.host()) || d.port() != null && d.port() != current.port()
                || d.database() != null && !d.database().equals(current.database())
                || d.username() != null && !d.username().equals(current.username())
                || d.sslMode() != null && !d.sslMode().equals(current.sslMode());
    }

    void delete(UUID id, OptionalInt ifMatch) {
        Source current = get(id);
        if (ifMatch.isPresent() && ifMatch.getAsInt() != current.version()) {
            throw ApiException.stale("Source " + id, current.version(), ifMatch.getAsInt());
        }
        List<String> users = repository.pipelineNames(id);
        if (!users.isEmpty()) {
            throw inUse(id, users);
        }
        try {
            if (!repository.delete(id, current.version())) {
                throw staleOrGone(id, current.version());
            }
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            if (DatabaseErrors.hasSqlState(e, DatabaseErrors.FOREIGN_KEY_VIOLATION)) {
                throw inUse(id, repository.pipelineNames(id));
            }
            throw e;
        }
    }

    /**
     * Tests a saved source and records the outcome: active when ready for CDC, error otherwise.
     *
     * @param id source id
     * @return the report and the source as now stored
     */
    Tested test(UUID id) {
        Source source = get(id);
        ConnectionReport report = tester.test(spec(source));
        Source updated = repository.recordTest(id, SourceStatus.afterTest(report.cdcReady())).orElseThrow(() -> notFound(id));
        return new Tested(report, updated);
    }

    ConnectionReport test(SourceDraft d) {
        return tester.test(new SourceSpec(d.host(), d.port() == null ? 5432 : d.port(), d.database(), d.username(),
                d.password() == null ? "" : d.password(), d.sslMode() == null ? "prefer" : d.sslMode(),
                emptyToNull(d.slotName()), emptyToNull(d.publicationName())));
    }

    List<TableDiscovery.Table> tables(UUID id, String schema) {
        if (!SCHEMA.matcher(schema).matches() || schema.getBytes(StandardCharsets.UTF_8).length > 63) {
            throw ApiException.validation(List.of(new FieldError("schema", "must be a schema name of 1 to 63 bytes, or *")));
        }
        Source source = get(id);
        try {
            return discovery.discover(spec(source), schema);
        } catch (SourceFailure e) {
            throw new ApiException(ProblemType.SOURCE_UNREACHABLE, "Source " + source.name() + " cannot be queried: "
                    + e.kind().label() + ": " + e.getMessage());
        }
    }

    /**
     * The CDC pre-flight test of a stored source, without recording its outcome.
     *
     * @param sourceId the source
     * @return the report
     */
    public ConnectionReport preflight(UUID sourceId) {
        return tester.test(spec(get(sourceId)));
    }

    /**
     * How to connect to a stored source, with its password opened.
     *
     * @param sourceId the source
     * @return the connection parameters
     */
    public SourceSpec spec(UUID sourceId) {
        return spec(get(sourceId));
    }

    /**
     * Looks up named tables on a source (for a pipeline's mappings), under the host policy and the test's
     * time bounds.
     *
     * @param sourceId the source
     * @param tables   the names to look up
     * @return those that exist as tables, with their CDC facts
     * @throws SourceFailure when the source cannot be reached or queried
     * @throws ApiException  when the source is gone or its password cannot be decrypted
     */
    public List<TableDiscovery.Table> findTables(UUID sourceId, List<TableDiscovery.TableName> tables) {
        return discovery.find(spec(get(sourceId)), tables);
    }

    /**
     * Moves every stored password to the active key and to the current binding, one row at a time.
     *
     * @param bindLegacy also move passwords that an earlier build bound to their row only: once, when upgrading,
     *                   since such a ciphertext says nothing of the endpoint a row names (each one is logged)
     * @return how many moved, and the sources whose password opens with no configured key
     */
    public Reencrypted reencryptAll(boolean bindLegacy) {
        int moved = 0;
        List<UUID> unreadable = new ArrayList<>();
        for (SourceRepository.SealedSecret s : repository.sealedAll()) {
            String binding = binding(s.id(), s.host(), s.port(), s.database(), s.username(), s.sslMode());
            String plaintext = open(s.sealed(), binding);
            boolean legacy = plaintext == null && bindLegacy;
            if (legacy) {
                plaintext = open(s.sealed(), s.id().toString());
            }
            if (plaintext == null) {
                unreadable.add(s.id());
            } else if ((legacy || !s.sealed().keyId().equals(secrets.activeKeyId()))
                       && repository.reseal(s.id(), s.sealed(), secrets.seal(plaintext, binding))) {
                moved++;
                if (legacy) {
                    LOG.log(System.Logger.Level.INFO, "The password of source {0} is now bound to {1}:{2,number,#}/{3} as {4} (ssl_mode {5})",
                            s.id(), s.host(), s.port(), s.database(), s.username(), s.sslMode());
                }
            }
        }
        LOG.log(System.Logger.Level.INFO, "Re-encrypted {0} source password(s) with key {1}", moved, secrets.activeKeyId());
        return new Reencrypted(moved, List.copyOf(unreadable));
    }

    /**
     * What a re-encryption did.
     *
     * @param moved      passwords moved
     * @param unreadable sources whose password opens with no configured key (or is bound as an earlier build bound it)
     */
    public record Reencrypted(int moved, List<UUID> unreadable) {
    }

    private String open(SecretBox.Sealed sealed, String binding) {
        try {
            return secrets.open(sealed, binding);
        } catch (SecretBox.SecretBoxException e) {
            return null;
        }
    }

    /*
     * What a stored password is bound to (AES-GCM's associated data): the row and the endpoint it was given
     * for, TLS setting included, so a ciphertext moved to another row, or a row pointed at another server (or
     * stripped of TLS) behind the API's back, does not decrypt. NUL cannot occur in any of these names, so the joined text is unambiguous.
     */
    private static String binding(UUID id, String host, int port, String database, String username, String sslMode) {
        return String.join("\0", id.toString(), host, String.valueOf(port), database, username, sslMode);
    }

    /**
     * How to connect to a stored source, with its password opened.
     *
     * @param source the source
     * @return the connection parameters
     */
    public SourceSpec spec(Source source) {
        String password;
        try {
            password = secrets.open(source.password(), binding(source.id(), source.host(), source.port(), source.database(), source.username(),
                                                               source.sslMode()));
        } catch (SecretBox.SecretBoxException e) {
            throw ApiException.conflict("The stored password of source " + source.id() + " cannot be decrypted for " + source.host() + ":"
                    + source.port() + "/" + source.database() + " as " + source.username() + " (" + e.getMessage() + "). Set it again with"
                    + " PUT /api/v1/sources/" + source.id() + " {\"password\": ...}; one stored by a version before passwords were bound to"
                    + " their endpoint is moved by the reencrypt-secrets --bind-legacy command");
        }
        return new SourceSpec(source.host(), source.port(), source.database(), source.username(), password, source.sslMode(),
                source.slotName(), source.publicationName());
    }

    private ApiException staleOrGone(UUID id, int expected) {
        return repository.find(id).map(now -> ApiException.stale("Source " + id, now.version(), expected)).orElseGet(() -> notFound(id));
    }

    private static RuntimeException duplicateName(RuntimeException e, String name) {
        if (DatabaseErrors.hasSqlState(e, DatabaseErrors.UNIQUE_VIOLATION)) {
            return ApiException.conflict("A source named '" + name + "' already exists");
        }
        return e;
    }

    private static ApiException inUse(UUID id, List<String> pipelines) {
        return ApiException.conflict("Source " + id + " is used by pipeline(s) " + String.join(", ", pipelines)
                + "; delete them first");
    }

    static ApiException notFound(UUID id) {
        return ApiException.notFound("No source with id " + id);
    }

    private static String or(String value, String fallback) {
        return value != null ? value : fallback;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /**
     * A saved source's test.
     *
     * @param report the report
     * @param source the source with its new status
     */
    record Tested(ConnectionReport report, Source source) {
    }
}
