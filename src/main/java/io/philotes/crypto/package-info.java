/**
 * The secret box: AES-256-GCM with a fresh nonce per encryption, the owning row's id as associated data,
 * and a key ring of named keys with one active, so keys can be rotated without downtime.
 */
package io.philotes.crypto;
