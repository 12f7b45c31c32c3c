package io.philotes.source;

import java.time.Instant;
import java.util.UUID;

import io.philotes.core.SourceStatus;
import io.philotes.crypto.SecretBox;

/**
 * A registered source database as stored. The password stays sealed; only the connection test and the
 * engine open it, just before connecting.
 *
 * @param id              id
 * @param name            unique name
 * @param type            database type, {@code postgresql}
 * @param host            host name or IP literal
 * @param port            TCP port
 * @param database        database name
 * @param username        user name
 * @param password        the sealed password
 * @param sslMode         PostgreSQL sslmode
 * @param slotName        replication slot the user named, or null
 * @param publicationName publication the user named, or null
 * @param status          inactive, active or error
 * @param lastTestedAt    when it was last tested, or null
 * @param createdAt       creation time
 * @param updatedAt       last change
 * @param version         optimistic-concurrency version
 */
public record Source(UUID id, String name, String type, String host, int port, String database, String username,
                     SecretBox.Sealed password, String sslMode, String slotName, String publicationName, SourceStatus status,
                     Instant lastTestedAt, Instant createdAt, Instant updatedAt, int version) {
}
