package io.philotes.cdc;

import io.philotes.core.JsonText;

/**
 * Writes a column value from PostgreSQL's text form as the JSON the API contract gives it: booleans as
 * booleans, integers and floating-point numbers as numbers, {@code numeric} as a number when a double holds
 * it exactly (15 significant digits or fewer) and otherwise as its text, and every other type - text, dates
 * and times, json, arrays, bytea, uuid, enums, domains - as its text form. NULL is null. The JSON is written
 * straight into the row's text: no value objects per column, which a stream of many thousand rows a second
 * would pay for in garbage.
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
    /* Beyond this many digits before or after the point a double over- or underflows. */
    private static final int DOUBLE_MAGNITUDE = 300;

    private ColumnValues() {
    }

    /**
     * Appends the JSON of one value.
     *
     * @param out     where to write
     * @param typeOid the column's type
     * @param text    the value in PostgreSQL's text form, or null for NULL
     * @return whether it wrote a character beyond Latin-1
     */
    public static boolean append(StringBuilder out, int typeOid, String text) {
        if (text == null) {
            out.append("null");
            return false;
        }
        switch (typeOid) {
            case BOOL -> out.append("t".equals(text) ? "true" : "false");
            case INT2, INT4, INT8, OID -> out.append(text);
            case FLOAT4, FLOAT8 -> {
                // NaN and the infinities have no JSON number; they keep their text.
                if (Character.isDigit(text.charAt(text.length() - 1))) {
                    out.append(text);
                } else {
                    JsonText.quote(out, text);
                }
            }
            case NUMERIC -> {
                if (fitsDouble(text)) {
                    out.append(text);
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
     * Whether a type's values are JSON strings (its text form, quoted).
     *
     * @param typeOid the type
     * @return true for every type but booleans and numbers
     */
    static boolean quoted(int typeOid) {
        return switch (typeOid) {
            case BOOL, INT2, INT4, INT8, OID, FLOAT4, FLOAT8, NUMERIC -> false;
            default -> true;
        };
    }

    /* numeric's text form has no exponent: digits, at most one point, maybe a sign; NaN and infinities are words. */
    private static boolean fitsDouble(String text) {
        int significant = 0;
        int beforePoint = 0;
        int afterPoint = 0;
        boolean point = false;
        boolean leading = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.') {
                point = true;
            } else if (c >= '0' && c <= '9') {
                if (point) {
                    afterPoint++;
                } else {
                    beforePoint++;
                }
                if (c != '0' || !leading) {
                    leading = false;
                    significant++;
                }
            } else if (c != '-' || i > 0) {
                return false;
            }
        }
        return beforePoint > 0 && significant <= DOUBLE_DIGITS && beforePoint < DOUBLE_MAGNITUDE && afterPoint < DOUBLE_MAGNITUDE;
    }
}
