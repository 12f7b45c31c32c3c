package io.philotes.db;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.dbclient.DbStatements;
import io.philotes.core.ClasspathFiles;

/**
 * The named statements of {@code sql/statements/*.sql}. Each statement follows a line
 * {@code -- name: kebab-case-name} and runs to the next such line. They are parsed here, never through
 * Helidon Config, which would expand {@code ${...}} inside them.
 */
public final class SqlStatements {
    private static final Pattern NAME_LINE = Pattern.compile("^--\\s*name:\\s*(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    private final Map<String, String> byName;
    private final DbStatements forDbClient;

    private SqlStatements(Map<String, String> byName) {
        this.byName = Collections.unmodifiableMap(byName);
        DbStatements.Builder builder = DbStatements.builder();
        byName.forEach(builder::addStatement);
        this.forDbClient = builder.build();
    }

    /**
     * Loads every statement file from the class path.
     *
     * @return the statements
     */
    public static SqlStatements load() {
        return parse(ClasspathFiles.read("sql/statements", ".sql"));
    }

    static SqlStatements parse(List<ClasspathFiles.NamedText> files) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (ClasspathFiles.NamedText file : files) {
            Matcher m = NAME_LINE.matcher(file.text());
            String name = null;
            int start = 0;
            while (m.find()) {
                if (name != null) {
                    put(byName, file.name(), name, file.text().substring(start, m.start()));
                } else if (!file.text().substring(0, m.start()).replaceAll("(?m)^--.*$", "").isBlank()) {
                    throw new IllegalStateException(file.name() + ": SQL before the first '-- name:' line");
                }
                name = m.group(1);
                start = m.end();
            }
            if (name != null) {
                put(byName, file.name(), name, file.text().substring(start));
            }
        }
        return new SqlStatements(byName);
    }

    private static void put(Map<String, String> byName, String file, String name, String body) {
        if (!KEBAB.matcher(name).matches()) {
            throw new IllegalStateException(file + ": statement name '" + name + "' is not kebab-case");
        }
        String sql = body.strip();
        if (sql.endsWith(";")) {
            sql = sql.substring(0, sql.length() - 1).strip();
        }
        if (sql.isEmpty()) {
            throw new IllegalStateException(file + ": statement '" + name + "' is empty");
        }
        if (sql.contains("::")) {
            throw new IllegalStateException(file + ": statement '" + name + "' uses '::'; write CAST(value AS type), which DbClient's"
                                            + " named parameters allow");
        }
        if (byName.putIfAbsent(name, sql) != null) {
            throw new IllegalStateException(file + ": statement '" + name + "' is defined twice");
        }
    }

    /**
     * The SQL of one statement.
     *
     * @param name statement name
     * @return its SQL
     * @throws IllegalArgumentException when no statement has that name
     */
    public String sql(String name) {
        String sql = byName.get(name);
        if (sql == null) {
            throw new IllegalArgumentException("No SQL statement named " + name);
        }
        return sql;
    }

    /**
     * The statements as Helidon DbClient takes them.
     *
     * @return every statement under its name
     */
    public DbStatements forDbClient() {
        return forDbClient;
    }

    /**
     * All statements by name, in file order.
     *
     * @return read-only map
     */
    public Map<String, String> all() {
        return byName;
    }
}
