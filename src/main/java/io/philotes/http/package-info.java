/**
 * The HTTP framework every resource shares: RFC 9457 problem details, request ids, the access log, CORS,
 * per-client rate limiting, the body-size limit, JSON reading and writing, and routing fallbacks.
 */
package io.philotes.http;
