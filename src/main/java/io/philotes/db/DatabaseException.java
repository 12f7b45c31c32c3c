package io.philotes.db;

import java.sql.SQLException;

/** A named statement failed; the SQL state is kept, the message never quotes parameter values. */
public final class DatabaseException extends RuntimeException {
    private final String statement;

    DatabaseException(String statement, SQLException cause) {
        super("Statement " + statement + " failed: " + cause.getMessage(), cause);
        this.statement = statement;
    }

    public String statement() {
        return statement;
    }

    /**
     * The SQLSTATE of the failure.
     *
     * @return five-character code, or null
     */
    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
