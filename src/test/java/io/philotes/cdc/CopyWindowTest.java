package io.philotes.cdc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.philotes.source.TableDiscovery.TableName;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The watermark algorithm on hand-made streams: which of a chunk's rows are emitted at its high watermark, and
 * when a chunk must be read again.
 */
class CopyWindowTest {
    private static final List<String> KEY = List.of("id");
    private final UUID pipeline = UUID.randomUUID();
    private final UUID mapping = UUID.randomUUID();
    private final CopyWindow window = new CopyWindow(pipeline, 7);
    private final List<ChangeEvent> out = new ArrayList<>();
    private final List<CopyProgress> progress = new ArrayList<>();

    @Test
    void aRowTheStreamChangedInsideTheWindowComesFromTheStreamOnly() throws Exception {
        window.begin(task(KEY), false);
        long chunk = window.nextChunk();
        mark(chunk, true, 0x100);
        stream(change("update", 50, 2), change("delete", 51, 3), other(52, 1));
        window.hand(new CopyWindow.Chunk(List.of(row(1), row(2), row(3), row(4)), CopyWindow.Snapshot.of(60, List.of()), List.of("4"), true));
        out.clear();
        mark(chunk, false, 0x200);
        assertThat(keys(out), is(List.of("1", "4")));
        assertThat(out.getFirst().lsn(), is(0x200L));
        assertThat(out.getFirst().op(), is("snapshot"));
        assertThat(progress, is(List.of(new CopyProgress(mapping, 3, List.of("4"), KEY, 4, true, chunk))));
        assertThat(window.await(chunk, () -> false), is(CopyWindow.Outcome.EMITTED));
    }

    @Test
    void aTransactionBeforeTheWindowThatTheSnapshotDoesNotSeeMakesTheChunkBeReadAgain() throws Exception {
        window.begin(task(KEY), false);
        stream(change("update", 60, 2));
        long first = window.nextChunk();
        mark(first, true, 0x100);
        // Committed before the low watermark, but still in progress for the chunk's snapshot.
        window.hand(new CopyWindow.Chunk(List.of(row(1), row(2)), CopyWindow.Snapshot.of(61, List.of(60L)), List.of("2"), true));
        out.clear();
        mark(first, false, 0x200);
        assertThat(out.isEmpty(), is(true));
        assertThat(progress.isEmpty(), is(true));
        assertThat(window.await(first, () -> false), is(CopyWindow.Outcome.RETRY));

        long again = window.nextChunk();
        mark(again, true, 0x300);
        window.hand(new CopyWindow.Chunk(List.of(row(1), row(2)), CopyWindow.Snapshot.of(70, List.of()), List.of("2"), true));
        mark(again, false, 0x400);
        assertThat(keys(out), is(List.of("1", "2")));
        assertThat(window.await(again, () -> false), is(CopyWindow.Outcome.EMITTED));
    }

    @Test
    void aTruncateInsideTheWindowDropsTheWholeChunk() throws Exception {
        window.begin(task(KEY), false);
        long chunk = window.nextChunk();
        mark(chunk, true, 0x100);
        stream(new ChangeEvent(0x150, 0x150, 80L, Instant.EPOCH, "public", "t", "truncate", null, null, null));
        window.hand(new CopyWindow.Chunk(List.of(row(1), row(2)), CopyWindow.Snapshot.of(81, List.of()), List.of("2"), false));
        out.clear();
        mark(chunk, false, 0x200);
        assertThat(out.isEmpty(), is(true));
        assertThat(progress.getFirst().lastKey(), is(List.of("2")));
        assertThat(window.await(chunk, () -> false), is(CopyWindow.Outcome.EMITTED));
    }

    @Test
    void watermarksOfAnotherPipelineOrAnEarlierChunkChangeNothing() {
        window.begin(task(KEY), false);
        long old = window.nextChunk();
        long chunk = window.nextChunk();
        window.watermark(message(new CopyWindow(UUID.randomUUID(), 7).watermark(chunk, true)), 0x100, out, progress);
        mark(old, true, 0x100);
        stream(change("update", 50, 1));
        window.hand(new CopyWindow.Chunk(List.of(row(1)), CopyWindow.Snapshot.of(60, List.of()), List.of("1"), true));
        out.clear();
        mark(chunk, false, 0x200);
        assertThat("no window was open: the high watermark emits nothing", out.isEmpty(), is(true));
        window.watermark(new PgOutput.LogicalMessage(true, 0x300, CopyWindow.PREFIX, window.watermark(chunk, true)
                .getBytes(StandardCharsets.UTF_8)), 0x300, out, progress);
        window.watermark(new PgOutput.LogicalMessage(false, 0x300, "other", window.watermark(chunk, false)
                .getBytes(StandardCharsets.UTF_8)), 0x300, out, progress);
        assertThat(out.isEmpty() && progress.isEmpty(), is(true));
    }

    @Test
    void aSecondLowWatermarkOrAHighOneBeforeTheChunkIsReadChangesNothing() throws Exception {
        window.begin(task(KEY), false);
        long chunk = window.nextChunk();
        mark(chunk, true, 0x100);
        stream(change("update", 50, 2));
        mark(chunk, true, 0x180); // forged, or written twice: the window stays as it is
        mark(chunk, false, 0x190); // before the chunk is handed: no outcome, no retry
        assertThat(window.await(chunk, () -> true), is((CopyWindow.Outcome) null));
        window.hand(new CopyWindow.Chunk(List.of(row(1), row(2)), CopyWindow.Snapshot.of(60, List.of()), List.of("2"), true));
        out.clear();
        mark(chunk, false, 0x200);
        assertThat(keys(out), is(List.of("1")));
        assertThat(window.await(chunk, () -> false), is(CopyWindow.Outcome.EMITTED));
    }

    @Test
    void aCopyAfterAGapInTheCaptureBeginsWithATruncateOnce() {
        window.begin(task(KEY), true);
        long first = window.nextChunk();
        mark(first, true, 0x100);
        assertThat(out.stream().map(ChangeEvent::op).toList(), is(List.of("truncate")));
        assertThat(out.getFirst().lsn(), is(0x100L));
        window.hand(new CopyWindow.Chunk(List.of(row(1)), CopyWindow.Snapshot.of(60, List.of()), List.of("1"), false));
        mark(first, false, 0x200);
        out.clear();
        mark(window.nextChunk(), true, 0x300);
        assertThat(out.isEmpty(), is(true));
    }

    @Test
    void aWholeTableCopyDropsTheWindowsChangesItsSnapshotSaw() throws Exception {
        window.begin(task(null), false);
        long chunk = window.nextChunk();
        mark(chunk, true, 0x100);
        assertThat(window.fullCopyDue() != null, is(true));
        assertThat(window.dueLsn(), is(0x100L));
        window.fullCopyTaken(new CopyWindow.Snapshot(80, Set.of(75)));
        assertThat(window.awaitFullCopy(chunk, () -> false), is(true));
        List<ChangeEvent> seen = stream(change("insert", 70, 1), change("insert", 75, 2), other(70, 3));
        assertThat(seen.stream().map(e -> e.table() + e.xid()).toList(), is(List.of("t75", "u70")));
        mark(chunk, false, 0x200);
        assertThat(window.await(chunk, () -> false), is(CopyWindow.Outcome.EMITTED));
        window.end();
        assertThat(stream(change("insert", 70, 4)).size(), is(1));
    }

    @Test
    void aKeyIsReadFromWhicheverJsonHoldsItsColumns() {
        assertThat(CopyWindow.key(RowJson.of("{\"b\":\"x\",\"a\":1,\"c\":null}"), List.of("a", "b")),
                   is(CopyWindow.key(RowJson.of("{\"a\":1,\"b\":\"x\"}"), List.of("a", "b"))));
        assertThat(CopyWindow.key(RowJson.of("{\"a\":1}"), List.of("a", "b")), is((String) null));
    }

    private CopyWindow.Task task(List<String> key) {
        return new CopyWindow.Task(mapping, 3, new TableName("public", "t"), key, null);
    }

    private void mark(long chunk, boolean low, long lsn) {
        window.watermark(message(window.watermark(chunk, low)), lsn, out, progress);
    }

    private static PgOutput.LogicalMessage message(String text) {
        return new PgOutput.LogicalMessage(false, 0, CopyWindow.PREFIX, text.getBytes(StandardCharsets.UTF_8));
    }

    /* Feeds changes as a batch would, returning those kept. */
    private List<ChangeEvent> stream(ChangeEvent... changes) {
        List<ChangeEvent> events = new ArrayList<>(List.of(changes));
        window.observe(events, 0);
        out.addAll(events);
        return events;
    }

    private static ChangeEvent change(String op, long xid, int id) {
        return new ChangeEvent(0x150, 0x150, xid, Instant.EPOCH, "public", "t", op, RowJson.of("{\"id\":" + id + "}"), null,
                               "delete".equals(op) ? null : RowJson.of("{\"id\":" + id + ",\"v\":\"new\"}"));
    }

    private static ChangeEvent other(long xid, int id) {
        return new ChangeEvent(0x150, 0x150, xid, Instant.EPOCH, "public", "u", "insert", RowJson.of("{\"id\":" + id + "}"), null,
                               RowJson.of("{\"id\":" + id + "}"));
    }

    private static CopyWindow.Row row(int id) {
        RowJson key = RowJson.of("{\"id\":" + id + "}");
        return new CopyWindow.Row(CopyWindow.key(key, KEY), new ChangeEvent(0, 0, null, Instant.EPOCH, "public", "t", "snapshot", key, null,
                                                                            RowJson.of("{\"id\":" + id + ",\"v\":\"old\"}")));
    }

    private static List<String> keys(List<ChangeEvent> events) {
        return events.stream().filter(e -> "snapshot".equals(e.op())).map(e -> e.key().toString().replaceAll("\\D", "")).toList();
    }
}
