/**
 * Typed, validated settings read from {@code application.yaml}, an optional extra file and the environment.
 * A bad value stops startup with a message naming the key; nothing falls back silently.
 */
package io.philotes.config;
