package io.philotes.db;

import java.sql.SQLException;

/** A named statement failed; the SQL state is kept, the message never quotes parameter values. */
public final class DatabaseException extends RuntimeException {
    DatabaseException(String statement, SQLException cause) {
        super("Statement " + statement + " failed: " + cause.getMessage(), cause);
    }
}
