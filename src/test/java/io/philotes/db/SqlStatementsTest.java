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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
            "\\b(?:namedQuery|namedGet|namedDml|list|one|dml|copyIn|sql|execute)\\(\\s*(?:[a-zA-Z]+\\s*,\\s*)?\"([a-z0-9-]+)\"");

    private final SqlStatements statements = SqlStatements.load();

    @Test
    void everyStatementParsesAgainstTheMigratedSchema() throws Exception {
        TestPostgres.Coordinates db = TestPostgres.freshDatabase();
        Migrations.load(statements).apply(MigrationsTest.dataSource(db));
        List<String> failures = new ArrayList<>();
        try (Connection c = db.connect()) {
            for (Map.Entry<String, String> s : statements.all().entrySet()) {
                String jdbc = NamedSql.Positional.of(s.getValue()).sql();
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
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = USE.matcher(Files.readString(file));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(statements.all().keySet());
        assertThat("names used in code but missing from sql/statements: " + missing, missing, is(empty()));
        Set<String> unused = new TreeSet<>(statements.all().keySet());
        unused.removeAll(used);
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
    void namedParametersBecomePositionalOutsideLiteralsAndCasts() {
        NamedSql.Positional p = NamedSql.Positional.of("SELECT ':not', \"x:y\", a::int, CAST(:id AS uuid) -- :comment\n WHERE b = :id AND c = :other_1");
        assertThat(p.sql(), is("SELECT ':not', \"x:y\", a::int, CAST(? AS uuid) -- :comment\n WHERE b = ? AND c = ?"));
        assertThat(p.names(), is(List.of("id", "id", "other_1")));
    }

    @Test
    void dollarBracesAreKeptVerbatim() {
        SqlStatements s = SqlStatements.parse(List.of(new ClasspathFiles.NamedText("a.sql", "-- name: x\nSELECT '${HOME}'")));
        assertThat(s.sql("x"), is("SELECT '${HOME}'"));
    }

}
