/** Webhook sinks: a pipeline's events pushed in order to an HTTP endpoint, signed per the Standard Webhooks specification, at least once. */
package io.philotes.sink;
