/**
 * The web console: static pages served by the service itself, talking to its API on the same origin.
 */
package io.philotes.console;
