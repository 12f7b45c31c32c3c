package io.philotes.cdc;

import java.util.List;

/**
 * Events cut from a stream or a copy, stored in one metadata transaction, and where the stream stands once
 * they are.
 *
 * @param events   the events, in order
 * @param progress how far copies are once they are stored
 * @param position the position after them
 */
record Chunk(List<ChangeEvent> events, List<CopyProgress> progress, EventStore.Position position) {
    Chunk(List<ChangeEvent> events, EventStore.Position position) {
        this(events, List.of(), position);
    }
}
