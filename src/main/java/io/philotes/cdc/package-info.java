/**
 * The CDC engine: the pgoutput decoder ({@link io.philotes.cdc.PgOutput}) and the typing of column values
 * ({@link io.philotes.cdc.ColumnValues}); the replication reader, event store and supervisor build on them.
 */
package io.philotes.cdc;
