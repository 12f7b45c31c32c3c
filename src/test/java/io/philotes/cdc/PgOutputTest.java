package io.philotes.cdc;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.philotes.support.SourceServers;
import jakarta.json.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The decoder against the bytes a real PostgreSQL's pgoutput produces (through the slot's SQL interface, which
 * returns exactly what a walsender would stream), and against broken bytes.
 */
class PgOutputTest {
    private static SourceServers.Server server;
    private String db;

    @BeforeAll
    static void startServer() {
        server = SourceServers.logical();
    }

    /* A database of its own for each test: slots see every change in their database. */
    @BeforeEach
    void createDatabase() {
        db = server.createDatabase();
        server.execute(db, """
                CREATE TYPE mood AS ENUM ('sad', 'happy');
                CREATE TABLE public.items (id int PRIMARY KEY, name text, big text, mood mood);
                CREATE TABLE public.full_rows (a int, b text);
                ALTER TABLE public.full_rows REPLICA IDENTITY FULL;
                CREATE TABLE public.typed (id int PRIMARY KEY, b bool, s int2, i int4, l int8, f float8, r real, small numeric(10,2),
                                           huge numeric, t text, j jsonb, by bytea, arr int[], ts timestamptz, nothing text,
                                           wide numeric(30,10));
                CREATE PUBLICATION everything FOR ALL TABLES;
                """);
    }

    /*
     * Runs the statements, then returns the decoded messages of a slot created before them. Each string runs on
     * its own (pgjdbc runs the statements of one string as one transaction).
     */
    private List<PgOutput.Message> changes(String slot, String... statements) throws SQLException {
        server.execute(db, "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        try {
            for (String statement : statements) {
                server.execute(db, statement);
            }
            List<PgOutput.Message> messages = new ArrayList<>();
            try (Connection c = server.connect(db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_get_binary_changes('" + slot
                                                + "', NULL, NULL, 'proto_version', '1', 'publication_names', 'everything')")) {
                while (rs.next()) {
                    messages.add(PgOutput.decode(ByteBuffer.wrap(rs.getBytes(1))));
                }
            }
            return messages;
        } finally {
            server.execute(db, "SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends PgOutput.Message> List<T> only(List<PgOutput.Message> messages, Class<T> type) {
        return (List<T>) messages.stream().filter(type::isInstance).toList();
    }

    @Test
    void transactionsAreFramedByBeginAndCommitWithMatchingLsns() throws SQLException {
        List<PgOutput.Message> m = changes("framing", "INSERT INTO public.items (id, name) VALUES (1, 'one')",
                "INSERT INTO public.items (id, name) VALUES (2, 'two'); INSERT INTO public.items (id, name) VALUES (3, 'three')");
        List<String> kinds = m.stream().map(x -> x.getClass().getSimpleName()).toList();
        // The enum type of a column is announced before the table that uses it, once per session.
        assertThat(kinds, is(List.of("Begin", "Type", "Relation", "Insert", "Commit", "Begin", "Insert", "Insert", "Commit")));
        List<PgOutput.Begin> begins = only(m, PgOutput.Begin.class);
        List<PgOutput.Commit> commits = only(m, PgOutput.Commit.class);
        for (int i = 0; i < 2; i++) {
            assertThat(begins.get(i).finalLsn(), is(commits.get(i).commitLsn()));
            assertThat(begins.get(i).commitTime(), is(commits.get(i).commitTime()));
            assertThat(commits.get(i).endLsn() > commits.get(i).commitLsn(), is(true));
        }
        assertThat(begins.get(1).xid() > begins.get(0).xid(), is(true));
        assertThat(Math.abs(begins.get(0).commitTime().toEpochMilli() - System.currentTimeMillis()) < 60_000, is(true));
    }

    @Test
    void relationsDescribeColumnsKeysAndCustomTypes() throws SQLException {
        List<PgOutput.Message> m = changes("relations", "INSERT INTO public.items VALUES (1, 'a', NULL, 'happy')");
        PgOutput.Type mood = only(m, PgOutput.Type.class).getFirst();
        assertThat(mood.schema() + "." + mood.name(), is("public.mood"));
        PgOutput.Relation items = only(m, PgOutput.Relation.class).getFirst();
        assertThat(items.schema() + "." + items.name(), is("public.items"));
        assertThat(items.replicaIdentity(), is('d'));
        assertThat(items.columns().stream().map(PgOutput.Column::name).toList(), is(List.of("id", "name", "big", "mood")));
        assertThat(items.columns().stream().map(PgOutput.Column::key).toList(), is(List.of(true, false, false, false)));
        assertThat(items.columns().get(0).typeOid(), is(ColumnValues.INT4));
        assertThat(items.columns().get(3).typeOid(), is(mood.oid()));
        PgOutput.Insert insert = only(m, PgOutput.Insert.class).getFirst();
        assertThat(insert.relation(), is(items.oid()));
        assertThat(insert.tuple().text(3), is("happy"));
        assertThat(insert.tuple().text(2), nullValue());
        assertThat(insert.tuple().unchanged(2), is(false));
    }

    @Test
    void updatesAndDeletesCarryTheKeyOrTheWholeOldRow() throws SQLException {
        server.execute(db, "INSERT INTO public.items (id, name) VALUES (10, 'ten'), (11, 'eleven'); INSERT INTO public.full_rows VALUES (1, 'x')");
        List<PgOutput.Message> m = changes("updates", """
                UPDATE public.items SET name = 'TEN' WHERE id = 10;
                UPDATE public.items SET id = 12 WHERE id = 11;
                DELETE FROM public.items WHERE id = 12;
                UPDATE public.full_rows SET b = 'y';
                DELETE FROM public.full_rows;
                """);
        List<PgOutput.Update> updates = only(m, PgOutput.Update.class);
        assertThat(updates.get(0).key(), nullValue());
        assertThat(updates.get(0).old(), nullValue());
        assertThat(updates.get(0).tuple().text(1), is("TEN"));
        assertThat(updates.get(1).key().text(0), is("11"));
        assertThat(updates.get(1).key().text(1), nullValue());
        assertThat(updates.get(1).tuple().text(0), is("12"));
        assertThat(updates.get(2).old().text(1), is("x"));
        assertThat(updates.get(2).tuple().text(1), is("y"));
        List<PgOutput.Delete> deletes = only(m, PgOutput.Delete.class);
        assertThat(deletes.get(0).key().text(0), is("12"));
        assertThat(deletes.get(0).old(), nullValue());
        assertThat(deletes.get(1).old().text(0), is("1"));
        assertThat(deletes.get(1).old().text(1), is("y"));
    }

    @Test
    void anUnchangedToastedValueIsMarkedNotSent() throws SQLException {
        server.execute(db, "INSERT INTO public.items (id, name, big) SELECT 20, 'big', string_agg(md5(g::text), '') FROM generate_series(1, 2000) g");
        List<PgOutput.Message> m = changes("toast", "UPDATE public.items SET name = 'still big' WHERE id = 20");
        PgOutput.Tuple row = only(m, PgOutput.Update.class).getFirst().tuple();
        assertThat(row.text(1), is("still big"));
        assertThat(row.unchanged(2), is(true));
        assertThat(row.text(2), nullValue());
        assertThat(row.unchanged(1), is(false));
    }

    @Test
    void truncateNamesItsTablesAndOptionsAndARelationChangeIsSentAgain() throws SQLException {
        List<PgOutput.Message> m = changes("truncate", """
                INSERT INTO public.full_rows VALUES (5, 'five');
                TRUNCATE public.full_rows, public.items RESTART IDENTITY;
                ALTER TABLE public.full_rows ADD COLUMN c int DEFAULT 7;
                INSERT INTO public.full_rows VALUES (6, 'six', 8);
                """);
        PgOutput.Truncate truncate = only(m, PgOutput.Truncate.class).getFirst();
        assertThat(truncate.relations().length, is(2));
        assertThat(truncate.restartIdentity(), is(true));
        assertThat(truncate.cascade(), is(false));
        List<PgOutput.Relation> shapes = only(m, PgOutput.Relation.class).stream().filter(r -> r.name().equals("full_rows")).toList();
        assertThat(shapes.getFirst().columns().size(), is(2));
        assertThat(shapes.getLast().columns().size(), is(3));
        assertThat(only(m, PgOutput.Insert.class).getLast().tuple().text(2), is("8"));
    }

    @Test
    void valuesAreTypedAsTheContractSays() throws SQLException {
        List<PgOutput.Message> m = changes("typed", """
                INSERT INTO public.typed VALUES (1, true, -2, 40000, 9007199254740993, 1.5, 0.25, 12.50,
                    123456789012345678901234567890.123, 'zoë "quoted" \\ 表', '{"a": [1, 2]}', '\\x00ff', '{1,NULL,3}',
                    '2026-11-26 10:00:00.123456+00', NULL, 1.5);
                INSERT INTO public.typed (id, f, small, huge, wide) VALUES (2, 'NaN', 'NaN', 'Infinity', -474936.2873620000);
                """);
        PgOutput.Relation typed = only(m, PgOutput.Relation.class).getFirst();
        List<PgOutput.Insert> inserts = only(m, PgOutput.Insert.class);
        JsonRow row = new JsonRow();
        for (int i = 0; i < typed.columns().size(); i++) {
            PgOutput.Column c = typed.columns().get(i);
            row.add(c.name(), c.typeOid(), c.typeModifier(), inserts.get(0).tuple().text(i));
        }
        String json = row.json().toString();
        assertThat(json, is("{\"id\":1,\"b\":true,\"s\":-2,\"i\":40000,"
                + "\"l\":9007199254740993,\"f\":1.5,\"r\":0.25,\"small\":12.50,\"huge\":\"123456789012345678901234567890.123\","
                + "\"t\":\"zoë \\\"quoted\\\" \\\\ 表\",\"j\":\"{\\\"a\\\": [1, 2]}\",\"by\":\"\\\\x00ff\",\"arr\":\"{1,NULL,3}\","
                + "\"ts\":\"2026-11-26 10:00:00.123456+00\",\"nothing\":null,\"wide\":\"1.5000000000\"}"));
        assertThat(Json.createReader(new StringReader(json)).readObject().getString("t"), is("zoë \"quoted\" \\ 表"));
        PgOutput.Tuple special = inserts.get(1).tuple();
        List<PgOutput.Column> columns = typed.columns();
        assertThat(value(ColumnValues.FLOAT8, special.text(5)), is("\"NaN\""));
        assertThat(value(ColumnValues.NUMERIC, columns.get(7).typeModifier(), special.text(7)), is("\"NaN\""));
        assertThat(value(ColumnValues.NUMERIC, columns.get(8).typeModifier(), special.text(8)), is("\"Infinity\""));
        // One JSON type per column, whatever the value: numeric(30,10) is always a string, even 1.5 (above).
        assertThat(value(ColumnValues.NUMERIC, columns.get(15).typeModifier(), special.text(15)), is("\"-474936.2873620000\""));
        assertThat(value(ColumnValues.FLOAT8, "-Infinity"), is("\"-Infinity\""));
        assertThat(value(ColumnValues.FLOAT8, "1e+30"), is("1e+30"));
        // numeric(p, s): a number up to a precision of 15 (a double holds every such value), else its text.
        assertThat(value(ColumnValues.NUMERIC, modifier(15, 15), "0.000000000000123"), is("0.000000000000123"));
        assertThat(value(ColumnValues.NUMERIC, modifier(16, 6), "1234567890.123456"), is("\"1234567890.123456\""));
        assertThat(value(ColumnValues.NUMERIC, -1, "1"), is("\"1\""));
        assertThat(value(ColumnValues.BOOL, "f"), is("false"));
        assertThat(value(ColumnValues.INT4, null), is("null"));
        assertThat(value(25, "line\nbreak\u0001\u2028"), is("\"line\\nbreak\\u0001\\u2028\""));
    }

    private static String value(int type, String text) {
        return value(type, -1, text);
    }

    private static String value(int type, int modifier, String text) {
        StringBuilder out = new StringBuilder();
        ColumnValues.append(out, type, modifier, text);
        return out.toString();
    }

    /* numeric(precision, scale)'s atttypmod. */
    private static int modifier(int precision, int scale) {
        return (precision << 16 | scale) + 4;
    }

    @Test
    void aLargeTextValueStaysInTheMessageAndIsWrittenAsTheSameJsonAsASmallOne() throws Exception {
        // Quotes, backslashes, control characters, U+2028/U+2029, accents and a four-byte character, over 64 KiB.
        String piece = "a\"b\\c\n\t\u0001 zoë 表 \u2028\u2029 \uD83D\uDE00 ";
        String big = piece.repeat(200_000 / piece.length());
        List<PgOutput.Message> m = changes("large", "INSERT INTO public.items (id, name, big) VALUES (1, 'small', '"
                + big.replace("'", "''") + "')");
        PgOutput.Relation items = only(m, PgOutput.Relation.class).getFirst();
        PgOutput.Tuple tuple = only(m, PgOutput.Insert.class).getFirst().tuple();
        JsonRow sliced = new JsonRow();
        JsonRow copied = new JsonRow();
        for (int i = 0; i < 3; i++) {
            sliced.add(items.columns().get(i).name(), items.columns().get(i).typeOid(), -1, tuple.bytes(i));
            copied.add(items.columns().get(i).name(), items.columns().get(i).typeOid(), -1, tuple.text(i));
        }
        RowJson json = sliced.json();
        String expected = copied.json().toString();
        assertThat(json.toString(), is(expected));
        assertThat(json.utf8Length(), is((long) expected.getBytes(StandardCharsets.UTF_8).length));
        assertThat(json.heapBytes() < 2L * expected.length(), is(true)); // the value is held as its bytes, once
        assertThat(Json.createReader(new StringReader(json.toString())).readObject().getString("big"), is(big));
    }

    @Test
    void brokenBytesAreRejectedWithTheReason() {
        Predicate<String> rejected = hex -> {
            PgOutput.MalformedMessage e = assertThrows(PgOutput.MalformedMessage.class, () -> PgOutput.decode(ByteBuffer.wrap(bytes(hex))));
            return e.getMessage() != null;
        };
        assertThat(rejected.test("42 0000"), is(true));                           // a Begin cut short
        assertThat(rejected.test("5a"), is(true));                                // an unknown type
        assertThat(rejected.test("49 00000001 4e 0001 62 00000001 00"), is(true)); // a binary value
        assertThat(rejected.test("49 00000001 4f 0000"), is(true));               // an insert without its new tuple
        PgOutput.MalformedMessage extra = assertThrows(PgOutput.MalformedMessage.class,
                () -> PgOutput.decode(ByteBuffer.wrap(bytes("4f 0000000000000001 6100 ff"))));
        assertThat(extra.getMessage(), containsString("1 bytes left"));
        // A length the message cannot hold is refused as such, never allocated on the peer's word (2 GiB here).
        PgOutput.MalformedMessage huge = assertThrows(PgOutput.MalformedMessage.class,
                () -> PgOutput.decode(ByteBuffer.wrap(bytes("49 00000001 4e 0001 74 7fffffff 41"))));
        assertThat(huge.getMessage(), is("Malformed pgoutput message: a column value claims 2147483647 bytes, but the message has 1 left"));
        PgOutput.MalformedMessage negative = assertThrows(PgOutput.MalformedMessage.class,
                () -> PgOutput.decode(ByteBuffer.wrap(bytes("49 00000001 4e 0001 74 ffffffff"))));
        assertThat(negative.getMessage(), containsString("claims 4294967295 bytes"));
        PgOutput.MalformedMessage relations = assertThrows(PgOutput.MalformedMessage.class,
                () -> PgOutput.decode(ByteBuffer.wrap(bytes("54 7fffffff 00 00000001"))));
        assertThat(relations.getMessage(), containsString("a truncate claims 2147483647 relations in 5 bytes"));
        PgOutput.Origin origin = (PgOutput.Origin) PgOutput.decode(ByteBuffer.wrap(bytes("4f 0000000000000001 6100")));
        assertThat(origin.name(), is("a"));
        assertThat(origin, notNullValue());
    }

    private static byte[] bytes(String hex) {
        String h = hex.replace(" ", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
