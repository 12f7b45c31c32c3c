package io.philotes.db;

import java.sql.SQLException;

import io.helidon.dbclient.DbStatementException;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class DatabaseErrorsTest {
    @Test
    void aFailedStatementSaysWhyButNeverQuotesItsSql() {
        // What DbClient throws: its message only says that a statement failed; the driver's cause says why.
        DbStatementException failed = new DbStatementException("Failed to execute statement", "UPDATE philotes.secret_table SET x = 1",
                new SQLException("ERROR: could not extend file: No space left on device", "53100"));
        assertThat(DatabaseErrors.message(failed), is("Failed to execute statement: ERROR: could not extend file: No space left on device"));
        assertThat(DatabaseErrors.message(new IllegalStateException("plain")), is("plain"));
    }
}
