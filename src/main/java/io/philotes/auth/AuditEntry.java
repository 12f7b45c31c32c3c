package io.philotes.auth;

import java.time.Instant;

/**
 * One audited request: who (the key, never its secret), from where, what, and how it ended. Never a body.
 *
 * @param seq        position in the log, 0 before it is stored
 * @param at         when the request arrived
 * @param keyId      the key's id, null without a valid key (or while access control is off)
 * @param keyName    the key's name, null likewise
 * @param role       the key's role, null without one
 * @param client     the client's address
 * @param method     HTTP method
 * @param path       the path, without the query
 * @param resourceId the resource the request was about (the path's id, or the created resource's), if any
 * @param status     the response's status code
 * @param requestId  the request's id
 */
public record AuditEntry(long seq, Instant at, String keyId, String keyName, String role, String client, String method, String path,
                         String resourceId, int status, String requestId) {
}
