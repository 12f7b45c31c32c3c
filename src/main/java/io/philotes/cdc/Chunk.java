package io.philotes.cdc;

import java.util.List;

/**
 * Events cut from a stream or a copy, stored in one metadata transaction, and where the stream stands once
 * they are.
 *
 * @param events   the events, in order
 * @param position the position after them
 */
record Chunk(List<ChangeEvent> events, EventStore.Position position) {
}
