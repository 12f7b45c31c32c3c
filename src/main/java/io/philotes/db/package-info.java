/**
 * The metadata database: the embedded or external PostgreSQL, its connection pool, the named statements
 * loaded from {@code sql/statements}, the versioned migrations and the monitor that tracks availability.
 */
package io.philotes.db;
