/**
 * Pipelines: what to capture, one source and a set of its tables ({@link io.philotes.pipeline.PipelineHandler},
 * {@link io.philotes.pipeline.PipelineService}, {@link io.philotes.pipeline.PipelineRepository}).
 */
package io.philotes.pipeline;
