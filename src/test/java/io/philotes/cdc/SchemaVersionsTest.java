package io.philotes.cdc;

import java.sql.Connection;
import java.util.List;
import java.util.UUID;

import io.philotes.db.SqlStatements;
import io.philotes.source.TableDiscovery.TableName;
import io.philotes.support.PhilotesTest;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Versions of a table's shape against the real metadata database and a real source: a shape seen again is its earlier
 * version, whoever sees it (the stream replaying WAL from before a change the copier saw); two owners of one pipeline
 * never give one version two shapes.
 */
@PhilotesTest
class SchemaVersionsTest {
    private static final ReplicationObjects OBJECTS = new ReplicationObjects(SqlStatements.load());

    private static PgOutput.Relation relation(PgOutput.Column... columns) {
        return new PgOutput.Relation(1, "public", "shaped", 'd', List.of(columns));
    }

    @Test
    void aShapeSeenAgainIsItsEarlierVersionAndTwoOwnersNeverShareAVersion(TestApp app) throws Exception {
        SourceServers.Server server = SourceServers.logical();
        String db = server.createDatabase();
        server.execute(db, "CREATE TABLE public.shaped (id int PRIMARY KEY, x int)");
        String source = app.client().post("/api/v1/sources", SourceJson.named("shapes", 5432).toString()).json().getJsonObject("source")
                .getString("id");
        UUID pipeline = UUID.fromString(app.client().post("/api/v1/pipelines", "{\"name\":\"shapes\",\"source_id\":\"" + source + "\"}")
                .json().getJsonObject("pipeline").getString("id"));
        PgOutput.Relation a = relation(new PgOutput.Column("id", 23, -1, true), new PgOutput.Column("x", 23, -1, false));
        try (Connection sql = server.connect(db)) {
            SchemaVersions versions = SchemaVersions.load(app.philotes().database().client(), OBJECTS, pipeline);
            assertThat(versions.of(a, sql), is(1));
            // The copier reads the catalog after a change the stream has not reached yet ...
            server.execute(db, "ALTER TABLE public.shaped ADD COLUMN y text");
            assertThat(versions.of(new TableName("public", "shaped"), sql), is(2));
            // ... then the stream, behind it, sends the old shape again (a new session): the same version, not a third.
            assertThat(versions.of(a, sql), is(1));
            assertThat(versions.current(new TableName("public", "shaped")), is(2));

            // Two owners of one pipeline (a take-over), each with what it loaded: each new shape gets its own version.
            SchemaVersions first = SchemaVersions.load(app.philotes().database().client(), OBJECTS, pipeline);
            SchemaVersions second = SchemaVersions.load(app.philotes().database().client(), OBJECTS, pipeline);
            PgOutput.Relation c = relation(new PgOutput.Column("id", 23, -1, true), new PgOutput.Column("x", 20, -1, false));
            PgOutput.Relation d = relation(new PgOutput.Column("id", 23, -1, true), new PgOutput.Column("x", 25, -1, false));
            assertThat(first.of(c, sql), is(3));
            assertThat(second.of(d, sql), is(4));
            assertThat(second.of(c, sql), is(3));
            assertThat(SchemaVersions.load(app.philotes().database().client(), OBJECTS, pipeline).of(d, sql), is(4));
        }
    }
}
