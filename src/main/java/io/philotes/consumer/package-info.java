/** Consumers: server-side cursors over a pipeline's events, read in batches at least once, with long polls and acknowledgements. */
package io.philotes.consumer;
