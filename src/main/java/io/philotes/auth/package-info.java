/**
 * Access control: API keys and their roles, the permission each route needs, and the audit log.
 */
package io.philotes.auth;
