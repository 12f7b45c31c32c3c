package io.philotes.cdc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.philotes.core.JsonText;

/**
 * A row's columns written as one JSON object, in column order, values typed by {@link ColumnValues}. A text value
 * of more than 64 KiB is not copied: it stays the bytes it arrived in, escaped only when the row is stored.
 */
final class JsonRow {
    /* Text values larger than this stay bytes. */
    static final int LARGE = 64 * 1024;
    private final List<Object> parts = new ArrayList<>(1);
    private StringBuilder out = new StringBuilder(128).append('{');
    private boolean empty = true;
    private boolean wide;

    /**
     * Adds a column.
     *
     * @param name         column name
     * @param typeOid      its type
     * @param typeModifier its type modifier (-1 for none)
     * @param text         its value in text form, or null for NULL
     * @return this
     */
    JsonRow add(String name, int typeOid, int typeModifier, String text) {
        if (!empty) {
            out.append(',');
        }
        empty = false;
        wide |= JsonText.quote(out, name);
        out.append(':');
        wide |= ColumnValues.append(out, typeOid, typeModifier, text);
        return this;
    }

    /**
     * Adds a column from the bytes of its text form.
     *
     * @param name         column name
     * @param typeOid      its type
     * @param typeModifier its type modifier (-1 for none)
     * @param value        its text's bytes, or null for NULL
     * @return this
     */
    JsonRow add(String name, int typeOid, int typeModifier, RowJson.Slice value) {
        if (value == null || value.length() <= LARGE || !ColumnValues.quoted(typeOid, typeModifier) || !value.validUtf8()) {
            return add(name, typeOid, typeModifier,
                       value == null ? null : new String(value.array(), value.offset(), value.length(), StandardCharsets.UTF_8));
        }
        if (!empty) {
            out.append(',');
        }
        empty = false;
        wide |= JsonText.quote(out, name);
        out.append(':');
        parts.add(out.toString());
        parts.add(value);
        out = new StringBuilder(128);
        return this;
    }

    boolean isEmpty() {
        return empty;
    }

    /**
     * The object.
     *
     * @return its JSON
     */
    RowJson json() {
        String rest = out.append('}').toString();
        if (parts.isEmpty()) {
            return RowJson.of(rest, wide);
        }
        parts.add(rest);
        return RowJson.of(parts, wide);
    }
}
