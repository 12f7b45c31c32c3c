package io.philotes.cdc;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JSON of a row (or of its key), as a change event carries it to the store. Usually one string; a row
 * with a large text value keeps that value as the bytes it arrived in (a slice of the replication message or
 * of the copy's result) and writes it escaped straight into the store's COPY, so a value of 50 MB is held
 * once, not three times (bytes, string, JSON).
 */
public final class RowJson {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final List<Object> parts;
    private final boolean wide;

    private RowJson(List<Object> parts, boolean wide) {
        this.parts = parts;
        this.wide = wide;
    }

    /**
     * JSON text as it is.
     *
     * @param json the JSON, or null
     * @return it, or null
     */
    public static RowJson of(String json) {
        return json == null ? null : new RowJson(List.of(json), true);
    }

    /* JSON text, and whether it has a character beyond Latin-1 (JsonRow knows, having escaped it). */
    static RowJson of(String json, boolean wide) {
        return new RowJson(List.of(json), wide);
    }

    /* Literal JSON and large text values in order; the builder of JsonRow. */
    static RowJson of(List<Object> parts, boolean wide) {
        return new RowJson(List.copyOf(parts), wide);
    }

    /**
     * How many bytes its UTF-8 takes (counted, not encoded).
     *
     * @return bytes
     */
    public long utf8Length() {
        long n = 0;
        for (Object part : parts) {
            n += part instanceof String s ? utf8Length(s) : ((Slice) part).escapedLength();
        }
        return n;
    }

    /**
     * Writes it as a field of COPY's binary format: its length, then its UTF-8. The usual row, one string, is
     * encoded once; a row with large values has its length counted first and is written straight after.
     *
     * @param out where to
     * @throws IOException when the stream fails
     */
    void writeField(DataOutputStream out) throws IOException {
        if (parts.size() == 1 && parts.getFirst() instanceof String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
            return;
        }
        long length = utf8Length();
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a row of " + length + " bytes of JSON is larger than one field can hold");
        }
        out.writeInt((int) length);
        writeTo(out);
    }

    /**
     * About how much heap it holds: its text at one byte a character (Java's Latin-1 strings) or two (any wider
     * character), its large values as their bytes.
     *
     * @return bytes
     */
    long heapBytes() {
        long n = 0;
        for (Object part : parts) {
            n += part instanceof String s ? (wide ? 2L : 1L) * s.length() : ((Slice) part).length();
        }
        return n;
    }

    /**
     * Writes its UTF-8.
     *
     * @param out where to
     * @throws IOException when the stream fails
     */
    public void writeTo(OutputStream out) throws IOException {
        for (Object part : parts) {
            if (part instanceof String s) {
                out.write(s.getBytes(StandardCharsets.UTF_8));
            } else {
                ((Slice) part).writeEscaped(out);
            }
        }
    }

    /** The JSON text (materialized: for small rows, tests and logs). */
    @Override
    public String toString() {
        if (parts.size() == 1 && parts.getFirst() instanceof String s) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeTo(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowJson other && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n++; // encoded as '?'
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Valid UTF-8 text, written as a JSON string exactly as {@link io.philotes.core.JsonText#quote} writes the
     * same text: quotes, backslashes and control characters escaped, and U+2028 and U+2029.
     *
     * @param array  the bytes
     * @param offset where the text starts
     * @param length its length
     */
    record Slice(byte[] array, int offset, int length) {
        /**
         * Whether bytes are valid UTF-8 (what a UTF8 database sends; a SQL_ASCII one may send anything, which then
         * goes the way of a string, its invalid bytes replaced).
         *
         * @return true when valid
         */
        boolean validUtf8() {
            int i = offset;
            int end = offset + length;
            while (i < end) {
                int b = array[i] & 0xff;
                int more;
                int min;
                if (b < 0x80) {
                    i++;
                    continue;
                } else if (b >= 0xc2 && b <= 0xdf) {
                    more = 1;
                    min = 0x80;
                } else if (b >= 0xe0 && b <= 0xef) {
                    more = 2;
                    min = 0x800;
                } else if (b >= 0xf0 && b <= 0xf4) {
                    more = 3;
                    min = 0x10000;
                } else {
                    return false;
                }
                if (i + more >= end) {
                    return false;
                }
                int cp = b & (0x3f >> more);
                for (int k = 1; k <= more; k++) {
                    int c = array[i + k] & 0xff;
                    if ((c & 0xc0) != 0x80) {
                        return false;
                    }
                    cp = (cp << 6) | (c & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || cp >= 0xd800 && cp <= 0xdfff) {
                    return false;
                }
                i += more + 1;
            }
            return true;
        }

        long escapedLength() {
            long n = 2;
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                int b = array[i] & 0xff;
                if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t' || b == '\b' || b == '\f') {
                    n += 2;
                } else if (b < 0x20) {
                    n += 6;
                } else if (lineSeparator(i, end)) {
                    n += 6;
                    i += 2;
                } else {
                    n++;
                }
            }
            return n;
        }

        void writeEscaped(OutputStream out) throws IOException {
            out.write('"');
            int end = offset + length;
            int start = offset;
            for (int i = offset; i < end; i++) {
                int b = array[i] & 0xff;
                int skip = 0;
                String escape = switch (b) {
                    case '"' -> "\\\"";
                    case '\\' -> "\\\\";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    default -> null;
                };
                if (escape == null && b < 0x20) {
                    escape = "\\u00" + (char) HEX[b >> 4] + (char) HEX[b & 0xf];
                } else if (escape == null && lineSeparator(i, end)) {
                    escape = (array[i + 2] & 0xff) == 0xa8 ? "\\u2028" : "\\u2029";
                    skip = 2;
                }
                if (escape != null) {
                    out.write(array, start, i - start);
                    out.write(escape.getBytes(StandardCharsets.US_ASCII));
                    i += skip;
                    start = i + 1;
                }
            }
            out.write(array, start, end - start);
            out.write('"');
        }

        /* U+2028 or U+2029: E2 80 A8 or E2 80 A9. */
        private boolean lineSeparator(int i, int end) {
            return (array[i] & 0xff) == 0xe2 && i + 2 < end && (array[i + 1] & 0xff) == 0x80
                   && ((array[i + 2] & 0xff) == 0xa8 || (array[i + 2] & 0xff) == 0xa9);
        }
    }
}
