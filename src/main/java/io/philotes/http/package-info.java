/**
 * The web layer: the routing table's adapter between Helidon and the plain-Java handlers, RFC 9457 problem
 * rendering, ETag/If-Match, request ids, the access log, CORS, per-client rate limiting and the body limit.
 */
package io.philotes.http;
