package io.philotes.cdc;

import java.math.BigDecimal;

import jakarta.json.Json;
import jakarta.json.JsonValue;

/**
 * Turns a column value from PostgreSQL's text form into the JSON the API contract gives it: booleans as
 * booleans, integers and floating-point numbers as numbers, {@code numeric} as a number when a double
 * holds it exactly (15 significant digits or fewer) and otherwise as its text, and every other type -
 * text, dates and times, json, arrays, bytea, uuid, enums, domains - as its text form. NULL is null.
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

    private ColumnValues() {
    }

    /**
     * The JSON of one value.
     *
     * @param typeOid the column's type
     * @param text    the value in PostgreSQL's text form, or null for NULL
     * @return the JSON value
     */
    public static JsonValue json(int typeOid, String text) {
        if (text == null) {
            return JsonValue.NULL;
        }
        return switch (typeOid) {
            case BOOL -> "t".equals(text) ? JsonValue.TRUE : JsonValue.FALSE;
            case INT2, INT4 -> Json.createValue(Integer.parseInt(text));
            case INT8, OID -> Json.createValue(Long.parseLong(text));
            case FLOAT4, FLOAT8 -> floating(text);
            case NUMERIC -> numeric(text);
            default -> Json.createValue(text);
        };
    }

    /* NaN and the infinities have no JSON number; they keep their text. */
    private static JsonValue floating(String text) {
        double d = Double.parseDouble(text);
        return Double.isFinite(d) ? Json.createValue(new BigDecimal(text)) : Json.createValue(text);
    }

    private static JsonValue numeric(String text) {
        if (text.equals("NaN") || text.endsWith("Infinity")) {
            return Json.createValue(text);
        }
        BigDecimal n = new BigDecimal(text);
        boolean exact = n.precision() <= DOUBLE_DIGITS && Math.abs(n.scale()) < 300;
        return exact ? Json.createValue(n) : Json.createValue(text);
    }
}
