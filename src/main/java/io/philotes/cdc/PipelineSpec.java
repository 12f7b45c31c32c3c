package io.philotes.cdc;

import java.util.List;
import java.util.UUID;

import io.philotes.source.SourceSpec;
import io.philotes.source.TableDiscovery.TableName;

/**
 * What the engine needs to run a pipeline.
 *
 * @param id        the pipeline
 * @param name      its name, for logs
 * @param sourceId  its source
 * @param source    how to connect to its source (with the password opened)
 * @param tables    its enabled tables
 * @param snapshot  whether to copy the existing rows first
 * @param batchSize  how many events to store per metadata transaction at most
 * @param batchBytes about how many bytes of events to hold per batch at most ({@link ChangeEvent#bytes()})
 */
public record PipelineSpec(UUID id, String name, UUID sourceId, SourceSpec source, List<TableName> tables, boolean snapshot, int batchSize,
                           long batchBytes) {
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
