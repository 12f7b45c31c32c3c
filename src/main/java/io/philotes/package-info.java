/**
 * Philotes: a self-hosted control plane for PostgreSQL change-data-capture. {@link io.philotes.Main} wires
 * the feature packages together; each feature keeps its handler, service and repository apart.
 */
package io.philotes;
