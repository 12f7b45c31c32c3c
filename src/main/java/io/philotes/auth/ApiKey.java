package io.philotes.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An API key as the API shows it: never its secret, which is shown once when it is created.
 *
 * @param id          the public id ({@code phk_<id>_...})
 * @param name        unique name
 * @param role        what it may do
 * @param pipelineIds the pipelines a consumer key may read, empty for other roles
 * @param createdAt   when it was created
 * @param expiresAt   when it stops working, if ever
 * @param lastUsedAt  when it was last used (to within a minute), if ever
 */
public record ApiKey(String id, String name, Role role, List<UUID> pipelineIds, Instant createdAt, Optional<Instant> expiresAt,
                     Optional<Instant> lastUsedAt) {
    public ApiKey {
        pipelineIds = List.copyOf(pipelineIds);
    }

    /**
     * Whether it works at a time.
     *
     * @param now the time
     * @return false once expired
     */
    boolean expiredAt(Instant now) {
        return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
    }
}
