/**
 * The CDC engine: {@link io.philotes.cdc.CdcEngine} runs pipelines under leases, each a
 * {@link io.philotes.cdc.PipelineRunner} that decodes pgoutput ({@link io.philotes.cdc.PgOutput}) into typed change
 * events and stores them, with the stream's position, in the {@link io.philotes.cdc.EventStore}.
 */
package io.philotes.cdc;
