package io.philotes.db;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;

/** Tells an unreachable database apart from a failed statement, and which constraint a statement broke. */
public final class DatabaseErrors {
    private DatabaseErrors() {
    }

    /**
     * Whether a failure means the database could not be reached (as opposed to a statement it rejected).
     *
     * @param error any throwable
     * @return true for connection failures, pool time-outs and server shutdowns anywhere in the cause chain
     */
    public static boolean isConnectionFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now
                if (state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
            if (t instanceof ConnectException || t instanceof SocketException
                    || t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A failure's message with the database's own reason: DbClient's exceptions say only that a statement
     * failed, and the driver's exception beneath says why. Never SQL text or parameter values.
     *
     * @param error any throwable
     * @return e.g. "Failed to execute statement: ERROR: could not extend file ..."
     */
    public static String message(Throwable error) {
        String outer = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return driverException(error).map(SQLException::getMessage).filter(m -> m != null && !outer.contains(m))
                .map(m -> outer + ": " + m).orElse(outer);
    }

    /**
     * The driver's exception in a failure's cause chain, the failure itself included.
     *
     * @param error any throwable
     * @return the first SQLException, if there is one
     */
    public static Optional<SQLException> driverException(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }

    /** SQLSTATE of a unique-constraint violation. */
    public static final String UNIQUE_VIOLATION = "23505";
    /** SQLSTATE of a foreign-key violation. */
    public static final String FOREIGN_KEY_VIOLATION = "23503";

    /**
     * Whether a failure carries an SQLSTATE anywhere in its cause chain.
     *
     * @param error any throwable
     * @param state the SQLSTATE, e.g. {@link #UNIQUE_VIOLATION}
     * @return true when one of the causes is an SQLException with that state
     */
    public static boolean hasSqlState(Throwable error, String state) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && state.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
