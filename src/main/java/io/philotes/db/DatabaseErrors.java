package io.philotes.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Tells an unreachable database apart from a failed statement. */
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
            if (t instanceof java.net.ConnectException || t instanceof java.net.SocketException
                    || t instanceof java.io.EOFException) {
                return true;
            }
        }
        return false;
    }
}
