package io.philotes.db;

import java.sql.Connection;
import java.util.function.Consumer;
import java.util.function.Function;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbStatements;
import io.helidon.dbclient.DbTransaction;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;

/** Runs named statements in one DbClient transaction. */
public final class Transactions {
    private Transactions() {
    }

    /**
     * Runs work in one transaction: it commits when the work returns and rolls back when it throws (the
     * exception then goes on unchanged).
     *
     * @param client the client
     * @param work   the statements, run on the transaction it is given
     * @param <T>    result type
     * @return what the work returned
     */
    public static <T> T inTransaction(DbClient client, Function<DbTransaction, T> work) {
        return complete(client.transaction(), work);
    }

    /**
     * Runs work in a transaction that is open, then commits it; rolls it back when the work throws.
     *
     * @param tx   the transaction
     * @param work the statements
     * @param <T>  result type
     * @return what the work returned
     */
    public static <T> T complete(DbTransaction tx, Function<DbTransaction, T> work) {
        return run(tx, work, DbTransaction::commit);
    }

    /**
     * Runs reads in a transaction, then rolls it back. A failure of the reads goes on unchanged (a rollback
     * that then fails too, on a connection the failure broke, is added to it as suppressed).
     *
     * @param tx   the transaction
     * @param work the reads
     * @param <T>  result type
     * @return what the reads returned
     */
    public static <T> T readOnly(DbTransaction tx, Function<DbTransaction, T> work) {
        return run(tx, work, DbTransaction::rollback);
    }

    /**
     * A transaction on a connection the caller opened: a source's connection (opened to the address the
     * host policy approved, with this project's time-outs), or a pooled one that already ran a binary
     * COPY. DbClient takes its connections from a pool, so this one is its own pool of one; the
     * transaction's commit or rollback closes the connection.
     *
     * @param connection the open connection
     * @param statements the named statements
     * @return a transaction on it
     */
    public static DbTransaction on(Connection connection, DbStatements statements) {
        return JdbcClientBuilder.create()
                .connectionPool(() -> connection)
                .statements(statements)
                .missingMapParametersAsNull(true)
                .build()
                .transaction();
    }

    /* The work, then the end it asks for; a failed work rolls back instead and goes on unchanged. */
    private static <T> T run(DbTransaction tx, Function<DbTransaction, T> work, Consumer<DbTransaction> end) {
        T result;
        try {
            result = work.apply(tx);
        } catch (RuntimeException | Error e) {
            try {
                tx.rollback();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        end.accept(tx);
        return result;
    }
}
