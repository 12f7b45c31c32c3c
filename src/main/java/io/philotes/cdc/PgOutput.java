package io.philotes.cdc;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes the messages of PostgreSQL's {@code pgoutput} plugin, protocol version 1 (what a walsender sends
 * for {@code proto_version '1'} without streaming or two-phase): Begin, Commit, Origin, Relation, Type,
 * Insert, Update, Delete, Truncate and logical decoding Message. Integers are big-endian, strings are
 * NUL-terminated UTF-8 (the replication connection's client encoding), times are microseconds since
 * 2000-01-01 UTC. A message that does not follow the format is a {@link MalformedMessage}, never a
 * silently wrong event.
 */
public final class PgOutput {
    /* Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
    private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

    private PgOutput() {
    }

    /**
     * Decodes one message.
     *
     * @param buffer the message, from its first byte (the type) to its end
     * @return the message
     * @throws MalformedMessage when the bytes do not form a protocol-1 message
     */
    public static Message decode(ByteBuffer buffer) {
        // Values are read in place from the message's array (pgjdbc's messages always have one).
        ByteBuffer b = buffer.hasArray() ? buffer.slice() : ByteBuffer.wrap(copy(buffer));
        byte type = 0;
        try {
            type = b.get();
            Message m = switch (type) {
                case 'B' -> new Begin(b.getLong(), time(b.getLong()), Integer.toUnsignedLong(b.getInt()));
                case 'C' -> {
                    b.get(); // flags, unused
                    yield new Commit(b.getLong(), b.getLong(), time(b.getLong()));
                }
                case 'O' -> new Origin(b.getLong(), string(b));
                case 'R' -> relation(b);
                case 'Y' -> new Type(b.getInt(), string(b), string(b));
                case 'I' -> {
                    int relation = b.getInt();
                    expect(b, 'N');
                    yield new Insert(relation, tuple(b));
                }
                case 'U' -> update(b);
                case 'D' -> {
                    int relation = b.getInt();
                    byte kind = b.get();
                    if (kind != 'K' && kind != 'O') {
                        throw new MalformedMessage("a delete has part '" + (char) kind + "' where K or O belongs");
                    }
                    Tuple old = tuple(b);
                    yield new Delete(relation, kind == 'K' ? old : null, kind == 'O' ? old : null);
                }
                case 'T' -> {
                    int count = b.getInt();
                    if (count < 0 || count > b.remaining() / Integer.BYTES) {
                        throw new MalformedMessage("a truncate claims " + Integer.toUnsignedString(count) + " relations in "
                                                   + b.remaining() + " bytes");
                    }
                    int options = b.get();
                    int[] relations = new int[count];
                    for (int i = 0; i < count; i++) {
                        relations[i] = b.getInt();
                    }
                    yield new Truncate(relations, (options & 1) != 0, (options & 2) != 0);
                }
                case 'M' -> {
                    boolean transactional = b.get() == 1;
                    long lsn = b.getLong();
                    String prefix = string(b);
                    byte[] content = new byte[length(b, "a logical message")];
                    b.get(content);
                    yield new LogicalMessage(transactional, lsn, prefix, content);
                }
                default -> throw new MalformedMessage("unknown message type '" + (char) type + "' (0x" + Integer.toHexString(type & 0xff)
                        + "); the slot may use another protocol version");
            };
            if (b.hasRemaining()) {
                throw new MalformedMessage(b.remaining() + " bytes left after a '" + (char) type + "' message");
            }
            return m;
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new MalformedMessage("a '" + (char) type + "' message ends early (" + buffer.remaining() + " bytes)");
        }
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static Relation relation(ByteBuffer b) {
        int oid = b.getInt();
        String namespace = string(b);
        String name = string(b);
        char identity = (char) b.get();
        int count = Short.toUnsignedInt(b.getShort());
        List<Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean key = (b.get() & 1) != 0;
            columns.add(new Column(string(b), b.getInt(), b.getInt(), key));
        }
        return new Relation(oid, namespace.isEmpty() ? "pg_catalog" : namespace, name, identity, List.copyOf(columns));
    }

    private static Update update(ByteBuffer b) {
        int relation = b.getInt();
        byte kind = b.get();
        Tuple key = null;
        Tuple old = null;
        if (kind == 'K' || kind == 'O') {
            Tuple t = tuple(b);
            if (kind == 'K') {
                key = t;
            } else {
                old = t;
            }
            kind = b.get();
        }
        if (kind != 'N') {
            throw new MalformedMessage("an update has part '" + (char) kind + "' where N belongs");
        }
        return new Update(relation, key, old, tuple(b));
    }

    /* The values stay where they are in the message's array (a value of any size is not copied). */
    private static Tuple tuple(ByteBuffer b) {
        int count = Short.toUnsignedInt(b.getShort());
        int[] offsets = new int[count];
        int[] lengths = new int[count];
        boolean[] unchanged = new boolean[count];
        for (int i = 0; i < count; i++) {
            byte kind = b.get();
            lengths[i] = Tuple.NULL;
            switch (kind) {
                case 'n' -> { }
                case 'u' -> unchanged[i] = true;
                case 't' -> {
                    int length = length(b, "a column value");
                    offsets[i] = b.arrayOffset() + b.position();
                    lengths[i] = length;
                    b.position(b.position() + length);
                }
                default -> throw new MalformedMessage("a tuple has column kind '" + (char) kind + "' (binary values are not requested)");
            }
        }
        return new Tuple(b.array(), offsets, lengths, unchanged);
    }

    /* A length field, refused when it claims more than the message holds (never allocated on a peer's word). */
    private static int length(ByteBuffer b, String what) {
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            throw new MalformedMessage(what + " claims " + Integer.toUnsignedString(length) + " bytes, but the message has " + b.remaining()
                                       + " left");
        }
        return length;
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // the NUL
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void expect(ByteBuffer b, char part) {
        byte kind = b.get();
        if (kind != part) {
            throw new MalformedMessage("part '" + (char) kind + "' where '" + part + "' belongs");
        }
    }

    private static Instant time(long micros) {
        return Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }

    /** One decoded message. */
    public sealed interface Message permits Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate, LogicalMessage {
    }

    /**
     * A transaction starts.
     *
     * @param finalLsn   its commit record's LSN
     * @param commitTime when it committed
     * @param xid        its transaction id
     */
    public record Begin(long finalLsn, Instant commitTime, long xid) implements Message {
    }

    /**
     * A transaction ends.
     *
     * @param commitLsn  its commit record's LSN
     * @param endLsn     the LSN just past it, from which decoding resumes
     * @param commitTime when it committed
     */
    public record Commit(long commitLsn, long endLsn, Instant commitTime) implements Message {
    }

    /**
     * The origin of a replicated transaction.
     *
     * @param lsn  the commit LSN on the origin
     * @param name the origin's name
     */
    public record Origin(long lsn, String name) implements Message {
    }

    /**
     * The shape of a table, sent before its first change in a session and again after it changes.
     *
     * @param oid             the table's id, used by the change messages
     * @param schema          its schema
     * @param name            its name
     * @param replicaIdentity {@code d}efault, {@code n}othing, {@code f}ull or {@code i}ndex
     * @param columns         its columns (without generated ones)
     */
    public record Relation(int oid, String schema, String name, char replicaIdentity, List<Column> columns) implements Message {
    }

    /**
     * A column of a relation.
     *
     * @param name         name
     * @param typeOid      type id
     * @param typeModifier type modifier ({@code atttypmod})
     * @param key          whether it is part of the replica identity
     */
    public record Column(String name, int typeOid, int typeModifier, boolean key) {
    }

    /**
     * A type that is not built in, announced before a relation uses it.
     *
     * @param oid       its id
     * @param schema    its schema
     * @param name      its name
     */
    public record Type(int oid, String schema, String name) implements Message {
    }

    /**
     * A row was inserted.
     *
     * @param relation the relation's oid
     * @param tuple    the new row
     */
    public record Insert(int relation, Tuple tuple) implements Message {
    }

    /**
     * A row was updated.
     *
     * @param relation the relation's oid
     * @param key      the old key when the key changed (replica identity default or index), else null
     * @param old      the old row with replica identity full, else null
     * @param tuple    the new row
     */
    public record Update(int relation, Tuple key, Tuple old, Tuple tuple) implements Message {
    }

    /**
     * A row was deleted.
     *
     * @param relation the relation's oid
     * @param key      the old key (replica identity default or index), else null
     * @param old      the old row with replica identity full, else null
     */
    public record Delete(int relation, Tuple key, Tuple old) implements Message {
    }

    /**
     * Tables were truncated.
     *
     * @param relations       their oids
     * @param cascade         whether CASCADE was given
     * @param restartIdentity whether RESTART IDENTITY was given
     */
    public record Truncate(int[] relations, boolean cascade, boolean restartIdentity) implements Message {
        @Override
        public boolean equals(Object o) {
            return o instanceof Truncate t && Arrays.equals(relations, t.relations) && cascade == t.cascade && restartIdentity == t.restartIdentity;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(relations) * 31 + (cascade ? 2 : 0) + (restartIdentity ? 1 : 0);
        }

        @Override
        public String toString() {
            return "Truncate[relations=" + Arrays.toString(relations) + ", cascade=" + cascade + ", restartIdentity=" + restartIdentity + "]";
        }
    }

    /**
     * A logical decoding message ({@code pg_logical_emit_message}); only sent when asked for.
     *
     * @param transactional whether it belongs to a transaction
     * @param lsn           its LSN
     * @param prefix        its prefix
     * @param content       its content
     */
    public record LogicalMessage(boolean transactional, long lsn, String prefix, byte[] content) implements Message {
    }

    /**
     * The column values of a row, in the relation's column order, in PostgreSQL's text form: kept as the bytes of
     * the message they arrived in, and decoded only when asked for, so a large value is never copied.
     */
    public static final class Tuple {
        private static final int NULL = -1;
        private final byte[] array;
        private final int[] offsets;
        private final int[] lengths;
        private final boolean[] unchanged;

        private Tuple(byte[] array, int[] offsets, int[] lengths, boolean[] unchanged) {
            this.array = array;
            this.offsets = offsets;
            this.lengths = lengths;
            this.unchanged = unchanged;
        }

        /* A tuple of given values, for tests. */
        Tuple(String[] values, boolean[] unchanged) {
            this.array = String.join("", Arrays.stream(values).map(v -> v == null ? "" : v).toList()).getBytes(StandardCharsets.UTF_8);
            this.offsets = new int[values.length];
            this.lengths = new int[values.length];
            this.unchanged = unchanged;
            int at = 0;
            for (int i = 0; i < values.length; i++) {
                offsets[i] = at;
                lengths[i] = values[i] == null ? NULL : values[i].getBytes(StandardCharsets.UTF_8).length;
                at += Math.max(0, lengths[i]);
            }
        }

        /**
         * How many columns it has.
         *
         * @return the column count
         */
        public int size() {
            return lengths.length;
        }

        /**
         * A value in text form.
         *
         * @param column the column's position
         * @return the text, or null for SQL NULL and for an unchanged TOAST value
         */
        public String text(int column) {
            return lengths[column] == NULL ? null : new String(array, offsets[column], lengths[column], StandardCharsets.UTF_8);
        }

        /**
         * A value's bytes (UTF-8 text), without copying them.
         *
         * @param column the column's position
         * @return the slice, or null for SQL NULL and for an unchanged TOAST value
         */
        RowJson.Slice bytes(int column) {
            return lengths[column] == NULL ? null : new RowJson.Slice(array, offsets[column], lengths[column]);
        }

        /**
         * Whether a value was left out because it is a TOASTed value that the update did not change.
         *
         * @param column the column's position
         * @return true when the value is not in the message
         */
        public boolean unchanged(int column) {
            return unchanged[column];
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("(");
            for (int i = 0; i < lengths.length; i++) {
                s.append(i == 0 ? "" : ", ").append(unchanged[i] ? "<unchanged>" : text(i));
            }
            return s.append(')').toString();
        }
    }

    /** Bytes that do not form a pgoutput protocol-1 message. */
    public static final class MalformedMessage extends RuntimeException {
        MalformedMessage(String message) {
            super("Malformed pgoutput message: " + message);
        }
    }
}
