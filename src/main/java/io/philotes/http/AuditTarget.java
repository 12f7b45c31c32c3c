package io.philotes.http;

/**
 * Marks a request the audit log records - one that reached a route and changes state, or that a route turned
 * away (401, 403) - with the resource it was about: the path's id (a mapping's when it has one), or the id of the
 * resource it created.
 *
 * @param resourceId the id as text, or null
 */
record AuditTarget(String resourceId) {
}
