package io.philotes.cdc;

import java.util.UUID;

import io.philotes.source.SourceSpec;

/**
 * What the engine needs to run a pipeline.
 *
 * @param id            the pipeline
 * @param name          its name, for logs
 * @param sourceId      its source
 * @param source        how to connect to its source (with the password opened)
 * @param snapshotChunk rows per chunk of a table's copy at most
 * @param batchSize     how many events to store per metadata transaction at most
 * @param batchBytes    about how many bytes of events to hold per batch at most ({@link ChangeEvent#bytes()}); a copy's
 *                      chunk holds at most twice this
 */
public record PipelineSpec(UUID id, String name, UUID sourceId, SourceSpec source, int snapshotChunk, int batchSize, long batchBytes) {
    /**
     * The name of the slot and publication the engine creates for the pipeline: a valid, lower-case
     * PostgreSQL identifier that no two pipelines share.
     *
     * @return {@code philotes_<id without dashes>}
     */
    public String ownName() {
        return "philotes_" + id.toString().replace("-", "");
    }
}
