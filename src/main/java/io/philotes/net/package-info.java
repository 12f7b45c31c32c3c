/**
 * Where Philotes may connect: the operator's host policy for source databases, and the socket factory
 * that makes the driver connect to exactly the address the policy checked.
 */
package io.philotes.net;
