/**
 * The domain's words every layer may use: problems as values, field errors and the reader that collects
 * them, paging, typed statuses, JSON text, and the plain-Java handler contract. No Helidon HTTP type here.
 */
package io.philotes.core;
