package io.philotes.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.philotes.core.ClasspathFiles;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every statement in sql/ is valid against the migrated schema, and every name the code uses exists. */
class SqlStatementsTest {
    /* Calls that take a statement name as their first argument. */
    private static final Pattern USE = Pattern.compile(
            "\\b(?:createNamed[A-Za-z]+|named[A-Za-z]+|sql)\\(\\s*\"([a-z0-9-]+)\"");
    /* Any string literal that could be a statement name (some are chosen before the call). */
    private static final Pattern LITERAL = Pattern.compile("\"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\"");
    /* DbClient's named parameters, for describing a statement over plain JDBC. */
    private static final Pattern PARAMETER = Pattern.compile("(?<![:\\w]):([a-z_][a-z0-9_]*)");

    private final SqlStatements statements = SqlStatements.load();

    @Test
    void everyStatementParsesAgainstTheMigratedSchema() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        Migrations.load(statements).apply(MigrationsTest.dataSource(db));
        List<String> failures = new ArrayList<>();
        try (Connection c = db.connect()) {
            for (Map.Entry<String, String> s : statements.all().entrySet()) {
                String jdbc = PARAMETER.matcher(s.getValue()).replaceAll("?");
                try (PreparedStatement ps = c.prepareStatement(jdbc)) {
                    // Describing the statement makes the server parse and plan it, resolving every name and type.
                    ps.getParameterMetaData();
                } catch (SQLException e) {
                    failures.add(s.getKey() + ": " + e.getMessage());
                }
            }
        }
        assertThat(String.join("\n", failures), failures, is(empty()));
    }

    @Test
    void everyNameTheCodeUsesExistsAndEveryStatementIsUsed() throws IOException {
        Set<String> called = new TreeSet<>();
        Set<String> mentioned = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String code = Files.readString(file);
                USE.matcher(code).results().forEach(m -> called.add(m.group(1)));
                LITERAL.matcher(code).results().forEach(m -> mentioned.add(m.group(1)));
            }
        }
        Set<String> missing = new TreeSet<>(called);
        missing.removeAll(statements.all().keySet());
        assertThat("names used in code but missing from sql/statements: " + missing, missing, is(empty()));
        Set<String> unused = new TreeSet<>(statements.all().keySet());
        unused.removeAll(mentioned);
        assertThat("statements nobody uses: " + unused, unused, is(empty()));
    }

    @Test
    void malformedFilesAreRejected() {
        assertThrows(IllegalStateException.class, () -> SqlStatements.parse(List.of(
                new ClasspathFiles.NamedText("a.sql", "-- name: same\nSELECT 1\n-- name: same\nSELECT 2"))));
        assertThrows(IllegalStateException.class, () -> SqlStatements.parse(List.of(
                new ClasspathFiles.NamedText("a.sql", "-- name: NotKebab\nSELECT 1"))));
        assertThrows(IllegalStateException.class, () -> SqlStatements.parse(List.of(
                new ClasspathFiles.NamedText("a.sql", "SELECT 0\n-- name: x\nSELECT 1"))));
        assertThrows(IllegalStateException.class, () -> SqlStatements.parse(List.of(
                new ClasspathFiles.NamedText("a.sql", "-- name: empty\n  ;\n"))));
    }

    @Test
    void castsWithDoubleColonsAreRejectedWhereDbClientWouldMisreadThem() {
        // DbClient's parser reads "::int" as a parameter named "int"; the loader says so instead of the server.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SqlStatements.parse(List.of(
                new ClasspathFiles.NamedText("a.sql", "-- name: x\nSELECT a::int FROM t WHERE b = :id"))));
        assertThat(e.getMessage(), is("a.sql: statement 'x' uses '::'; write CAST(value AS type), which DbClient's named parameters allow"));
    }

    @Test
    void dollarBracesAreKeptVerbatim() {
        SqlStatements s = SqlStatements.parse(List.of(new ClasspathFiles.NamedText("a.sql", "-- name: x\nSELECT '${HOME}'")));
        assertThat(s.sql("x"), is("SELECT '${HOME}'"));
    }

}
