/**
 * Source databases: registration with encrypted passwords ({@link io.philotes.source.SourceHandler},
 * {@link io.philotes.source.SourceService}, {@link io.philotes.source.SourceRepository}), the CDC
 * pre-flight connection test and table discovery.
 */
package io.philotes.source;
