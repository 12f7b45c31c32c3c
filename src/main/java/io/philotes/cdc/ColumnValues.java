package io.philotes.cdc;

import io.philotes.core.JsonText;

/**
 * Writes a column value from PostgreSQL's text form as the JSON the API contract gives it. A column's JSON type
 * follows its declared type, never its value: booleans as booleans, integers and floating-point numbers as numbers
 * (NaN and the infinities as their text), {@code numeric} with a declared precision of 15 or less as a number (a
 * double holds every such value exactly; NaN and the infinities as their text) and unconstrained {@code numeric} or
 * one of a larger precision always as its exact text, and every other type - text, dates and times, json, arrays,
 * bytea, uuid, enums, domains - as its text form. NULL is null. The JSON is written straight into the row's text: no
 * value objects per column, which a stream of many thousand rows a second would pay for in garbage.
 */
public final class ColumnValues {
    /* Built-in type oids (pg_type.dat); they never change. */
    static final int BOOL = 16;
    static final int INT8 = 20;
    static final int INT2 = 21;
    static final int INT4 = 23;
    static final int OID = 26;
    static final int FLOAT4 = 700;
    static final int FLOAT8 = 701;
    static final int NUMERIC = 1700;
    /* Decimal numbers with at most this many significant digits survive a trip through a double. */
    private static final int DOUBLE_DIGITS = 15;
    /* numeric's type modifier: (precision << 16 | scale) + 4; -1 when unconstrained. */
    private static final int VARHDRSZ = 4;

    private ColumnValues() {
    }

    /**
     * Appends the JSON of one value.
     *
     * @param out          where to write
     * @param typeOid      the column's type
     * @param typeModifier the column's type modifier (atttypmod; -1 for none)
     * @param text         the value in PostgreSQL's text form, or null for NULL
     * @return whether it wrote a character beyond Latin-1
     */
    public static boolean append(StringBuilder out, int typeOid, int typeModifier, String text) {
        if (text == null) {
            out.append("null");
            return false;
        }
        switch (typeOid) {
            case BOOL -> out.append("t".equals(text) ? "true" : "false");
            case INT2, INT4, INT8, OID -> out.append(text);
            case FLOAT4, FLOAT8 -> number(out, text);
            case NUMERIC -> {
                if (numberColumn(typeModifier)) {
                    number(out, text);
                } else {
                    JsonText.quote(out, text);
                }
            }
            default -> {
                return JsonText.quote(out, text);
            }
        }
        return false;
    }

    /**
     * The JSON type of a column's values, as the schema of a table shows it.
     *
     * @param typeOid      the column's type
     * @param typeModifier its type modifier
     * @return boolean, integer, number (NaN and the infinities of a floating-point column are strings) or string
     */
    static String jsonType(int typeOid, int typeModifier) {
        return switch (typeOid) {
            case BOOL -> "boolean";
            case INT2, INT4, INT8, OID -> "integer";
            case FLOAT4, FLOAT8 -> "number";
            case NUMERIC -> numberColumn(typeModifier) ? "number" : "string";
            default -> "string";
        };
    }

    /**
     * Whether a column's values are JSON strings (its text form, quoted).
     *
     * @param typeOid      the column's type
     * @param typeModifier its type modifier
     * @return true for every type but booleans and numbers
     */
    static boolean quoted(int typeOid, int typeModifier) {
        return switch (typeOid) {
            case BOOL, INT2, INT4, INT8, OID, FLOAT4, FLOAT8 -> false;
            case NUMERIC -> !numberColumn(typeModifier);
            default -> true;
        };
    }

    /**
     * Whether a numeric column's values are JSON numbers: its declared precision is at most 15 digits.
     *
     * @param typeModifier the column's type modifier (-1 for an unconstrained numeric)
     * @return true when they are
     */
    static boolean numberColumn(int typeModifier) {
        return typeModifier >= VARHDRSZ && ((typeModifier - VARHDRSZ) >>> 16 & 0xFFFF) <= DOUBLE_DIGITS;
    }

    /* NaN and the infinities have no JSON number; they keep their text. */
    private static void number(StringBuilder out, String text) {
        if (Character.isDigit(text.charAt(text.length() - 1))) {
            out.append(text);
        } else {
            JsonText.quote(out, text);
        }
    }
}
