package io.philotes.auth;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Who sent a request: the key it carried, with its role and, for a consumer key, its pipelines.
 *
 * @param keyId     the key's public id, null while access control is off
 * @param keyName   the key's name, null while access control is off
 * @param role      its role
 * @param pipelines the pipelines a consumer key may read
 */
public record Principal(String keyId, String keyName, Role role, Set<UUID> pipelines) implements Authentication {
    /** Every request's principal while {@code auth.enabled} is false: an admin without a key. */
    public static final Principal UNCHECKED = new Principal(null, null, Role.ADMIN, Set.of());

    public Principal {
        pipelines = Set.copyOf(pipelines);
    }

    /**
     * Why this principal may not do what a route needs.
     *
     * @param permission the route's permission
     * @param pipeline   the pipeline the request is about, asked only for pipeline-scoped permissions of a consumer
     * @return the 403 it gets, or empty when allowed
     */
    public Optional<Denial> denial(Permission permission, Supplier<UUID> pipeline) {
        if (permission == Permission.PUBLIC) {
            return Optional.empty();
        }
        if (!role.has(permission)) {
            return Optional.of(Denial.forbidden("This key's role (" + role.text() + ") does not have the permission " + permission.text()));
        }
        if (role == Role.CONSUMER && permission.pipelineScoped()) {
            UUID id = pipeline.get();
            if (!pipelines.contains(id)) {
                return Optional.of(Denial.forbidden("This consumer key does not have the permission " + permission.text() + " on pipeline " + id
                        + "; it reads only the pipelines it was created for"));
            }
        }
        return Optional.empty();
    }
}
