package io.philotes.cdc;

import io.philotes.core.JsonText;

/** A row's columns written as one JSON object, in column order, values typed by {@link ColumnValues}. */
final class JsonRow {
    private final StringBuilder out = new StringBuilder(128).append('{');
    private boolean empty = true;

    /**
     * Adds a column.
     *
     * @param name    column name
     * @param typeOid its type
     * @param text    its value in text form, or null for NULL
     * @return this
     */
    JsonRow add(String name, int typeOid, String text) {
        if (!empty) {
            out.append(',');
        }
        empty = false;
        JsonText.quote(out, name);
        out.append(':');
        ColumnValues.append(out, typeOid, text);
        return this;
    }

    boolean isEmpty() {
        return empty;
    }

    /**
     * The object.
     *
     * @return its JSON text
     */
    String json() {
        return out.append('}').toString();
    }
}
