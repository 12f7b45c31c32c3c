package io.philotes.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a route needs: every route of the routing table names exactly one. {@link #PUBLIC} routes need no key;
 * every other permission is held by the roles listed here, and the events and consumers permissions by a consumer
 * key only on the pipelines it names (the route's {@code {id}}).
 */
public enum Permission {
    PUBLIC("public"),
    SESSION_READ("session:read", Role.ADMIN, Role.OPERATOR, Role.VIEWER, Role.CONSUMER),
    KEYS_MANAGE("keys:manage", Role.ADMIN),
    AUDIT_READ("audit:read", Role.ADMIN),
    CONFIG_READ("config:read", Role.ADMIN, Role.OPERATOR),
    METRICS_READ("metrics:read", Role.ADMIN, Role.OPERATOR, Role.VIEWER),
    SOURCES_READ("sources:read", Role.ADMIN, Role.OPERATOR, Role.VIEWER),
    SOURCES_WRITE("sources:write", Role.ADMIN, Role.OPERATOR),
    SOURCES_CONNECT("sources:connect", Role.ADMIN, Role.OPERATOR),
    PIPELINES_READ("pipelines:read", Role.ADMIN, Role.OPERATOR, Role.VIEWER),
    PIPELINES_WRITE("pipelines:write", Role.ADMIN, Role.OPERATOR),
    EVENTS_READ("events:read", Role.ADMIN, Role.OPERATOR, Role.CONSUMER),
    CONSUMERS_READ("consumers:read", Role.ADMIN, Role.OPERATOR, Role.VIEWER, Role.CONSUMER),
    CONSUMERS_WRITE("consumers:write", Role.ADMIN, Role.OPERATOR, Role.CONSUMER),
    SCHEMA_READ("schema:read", Role.ADMIN, Role.OPERATOR, Role.VIEWER, Role.CONSUMER);

    private final String text;
    private final Set<Role> roles;

    Permission(String text, Role... roles) {
        this.text = text;
        this.roles = roles.length == 0 ? Set.of() : Set.copyOf(EnumSet.of(roles[0], roles));
    }

    /**
     * The permission's name, as 403 problems and the OpenAPI document spell it.
     *
     * @return e.g. {@code sources:read}
     */
    public String text() {
        return text;
    }

    /**
     * The roles that hold it.
     *
     * @return the roles; none for {@link #PUBLIC}, which needs no key
     */
    public Set<Role> roles() {
        return roles;
    }

    /**
     * Whether a consumer key holds it only for the pipelines it names.
     *
     * @return true for the pipeline-scoped permissions
     */
    public boolean pipelineScoped() {
        return this == EVENTS_READ || this == CONSUMERS_READ || this == CONSUMERS_WRITE || this == SCHEMA_READ;
    }
}
