/**
 * The metadata database: Helidon DbClient on a HikariCP pool running the named statements of
 * {@code sql/statements}, the embedded or external PostgreSQL, the migrations and the availability monitor.
 */
package io.philotes.db;
