package io.philotes.source;

import java.net.InetAddress;
import java.net.Socket;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import io.philotes.core.ApiException;
import io.philotes.core.ProblemType;
import io.philotes.db.SqlStatements;
import io.philotes.db.Transactions;
import io.philotes.source.ConnectionReport.Check;
import io.philotes.source.ConnectionReport.Status;

/**
 * The CDC pre-flight test. It runs the contract's checks in order on a virtual thread and answers within
 * the configured bound however the peer behaves: a check still running at the deadline fails with a
 * time-out and the rest are skipped. A check whose prerequisite failed is reported as skipped.
 */
public final class ConnectionTester {
    static final List<String> CHECKS = List.of("host_policy", "connect", "authenticate", "server_version", "wal_level",
            "replication_privilege", "copy_watermarks", "replication_slots_free", "wal_senders_free", "publication", "slot");
    private static final int MIN_VERSION = 120000;
    /* pgoutput sends logical decoding messages (the watermarks of table copies) from PostgreSQL 14 on. */
    private static final int MESSAGES_VERSION = 140000;

    private final SourceConnector connector;
    private final SqlStatements sql;
    private final Duration timeout;
    private final Semaphore running;

    /**
     * Creates the tester.
     *
     * @param connector   opens connections under the host policy
     * @param sql         the catalog statements
     * @param timeout     bound on one whole test
     * @param concurrency tests that may run at once
     */
    public ConnectionTester(SourceConnector connector, SqlStatements sql, Duration timeout, int concurrency) {
        this.connector = connector;
        this.sql = sql;
        this.timeout = timeout;
        this.running = new Semaphore(concurrency);
    }

    /**
     * Tests a source.
     *
     * @param spec how to connect
     * @return the report
     * @throws ApiException service-unavailable when too many tests are running
     */
    public ConnectionReport test(SourceSpec spec) {
        if (!running.tryAcquire()) {
            throw new ApiException(ProblemType.SERVICE_UNAVAILABLE, "Too many connection tests are running; retry shortly",
                    List.of(), Map.of("Retry-After", "1"));
        }
        try {
            long start = System.nanoTime();
            Run run = new Run(spec, start + timeout.toNanos());
            Thread worker = Thread.ofVirtual().name("source-test").start(run);
            boolean finished;
            try {
                finished = worker.join(Duration.ofNanos(Math.max(0, run.deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finished = false;
            }
            if (!finished) {
                run.abandon();
            }
            return run.report((System.nanoTime() - start) / 1_000_000);
        } finally {
            running.release();
        }
    }

    /* One test: the worker appends results; the caller reads them when the worker ends or time runs out. */
    private final class Run implements Runnable {
        private final SourceSpec spec;
        private final long deadline;
        private final List<Check> checks = new ArrayList<>();
        private final Map<String, String> serverInfo = new LinkedHashMap<>();
        private String current;
        private long currentStart;
        private String errorDetail;
        private volatile Socket socket;
        private volatile Connection connection;
        private volatile boolean abandoned;

        Run(SourceSpec spec, long deadline) {
            this.spec = spec;
            this.deadline = deadline;
        }

        @Override
        public void run() {
            try {
                InetAddress address = step("host_policy", () -> {
                    InetAddress a = connector.approve(spec);
                    return new Outcome<>(a, pass("host_policy", spec.host() + " resolves to " + a.getHostAddress() + ", which the host policy allows",
                                                 a.getHostAddress(), null));
                });
                if (address == null) {
                    return;
                }
                Socket opened = step("connect", () -> {
                    Socket connected = connector.open(spec, address, remaining());
                    socket = connected;
                    return new Outcome<>(connected, pass("connect", "TCP connection to port " + spec.port() + " succeeded",
                                                         address.getHostAddress() + ":" + spec.port(), null));
                });
                if (opened == null) {
                    return;
                }
                // The login goes over the same connection, so a test costs the source one connection. Should the
                // time run out, abandon() resets it, which ends this attempt at once. The driver's own read
                // time-out comes a second later: were it first, the driver would close the socket in the orderly
                // way and leave the peer a half-open connection to hold.
                Connection c = step("authenticate", () -> {
                    Connection loggedIn = connector.login(spec, opened, remaining().plusSeconds(1), false);
                    connection = loggedIn;
                    return new Outcome<>(loggedIn, pass("authenticate", "logged in as " + spec.username() + " to database " + spec.database(),
                                                        null, null));
                });
                if (c == null) {
                    return;
                }
                serverChecks(Transactions.on(c, sql.forDbClient()));
            } finally {
                close();
            }
        }

        /* The checks' queries run read-only in one transaction, which the connection's close ends. */
        private void serverChecks(DbTransaction c) {
            Map<String, Object> server = step("server_version", () -> {
                Map<String, Object> row = new LinkedHashMap<>();
                c.namedGet("check-server").orElseThrow().forEach(column -> row.put(column.name(), column.asOptional().orElse(null)));
                int versionNum = versionNumber(row);
                String version = String.valueOf(row.get("server_version"));
                synchronized (this) {
                    serverInfo.put("version", String.valueOf(row.get("version")));
                    serverInfo.put("server_version", version);
                    serverInfo.put("database", String.valueOf(row.get("database")));
                    serverInfo.put("user", String.valueOf(row.get("username")));
                }
                Check check = versionNum >= MIN_VERSION
                        ? pass("server_version", "PostgreSQL " + version + " supports logical replication with pgoutput", version, ">= 12")
                        : fail("server_version", "PostgreSQL " + version + " is too old for Philotes", version, ">= 12",
                               "Upgrade the source to PostgreSQL 12 or newer");
                return new Outcome<>(row, check);
            });
            if (server == null) {
                for (String name : CHECKS.subList(CHECKS.indexOf("wal_level"), CHECKS.size())) {
                    add(Check.skip(name, "skipped: the server facts could not be read"));
                }
                return;
            }
            String walLevel = String.valueOf(server.get("wal_level"));
            timed("wal_level", () -> "logical".equals(walLevel)
                    ? pass("wal_level", "wal_level is logical", walLevel, "logical")
                    : fail("wal_level", "wal_level is " + walLevel + "; logical decoding needs logical", walLevel, "logical",
                           "ALTER SYSTEM SET wal_level = logical; -- then restart PostgreSQL"));
            timed("replication_privilege", () -> Boolean.TRUE.equals(server.get("can_replicate"))
                    ? pass("replication_privilege", "role " + spec.username() + " may replicate", "true", "true")
                    : fail("replication_privilege", "role " + spec.username() + " has neither REPLICATION nor SUPERUSER", "false", "true",
                           "ALTER ROLE " + TableDiscovery.TableName.quote(spec.username()) + " WITH REPLICATION;"));
            timed("copy_watermarks", () -> copyWatermarks(versionNumber(server), String.valueOf(server.get("server_version")),
                                                            Boolean.TRUE.equals(server.get("can_emit_message")),
                                                            String.valueOf(server.get("emit_message_function"))));
            int maxSlots = ((Number) server.get("max_slots")).intValue();
            int usedSlots = ((Number) server.get("used_slots")).intValue();
            timed("replication_slots_free", () -> maxSlots > usedSlots
                    ? pass("replication_slots_free", (maxSlots - usedSlots) + " of " + maxSlots + " replication slots are free",
                           String.valueOf(maxSlots - usedSlots), ">= 1")
                    : fail("replication_slots_free", "all " + maxSlots + " replication slots are in use", "0", ">= 1",
                           "Drop unused slots (SELECT pg_drop_replication_slot(slot_name) ...) or ALTER SYSTEM SET max_replication_slots = "
                           + (maxSlots + 4) + "; -- then restart PostgreSQL"));
            int maxSenders = ((Number) server.get("max_senders")).intValue();
            int usedSenders = ((Number) server.get("used_senders")).intValue();
            timed("wal_senders_free", () -> maxSenders > usedSenders
                    ? pass("wal_senders_free", (maxSenders - usedSenders) + " of " + maxSenders + " WAL senders are free",
                           String.valueOf(maxSenders - usedSenders), ">= 1")
                    : fail("wal_senders_free", "all " + maxSenders + " WAL senders are in use", "0", ">= 1",
                           "ALTER SYSTEM SET max_wal_senders = " + (maxSenders + 4) + "; -- then restart PostgreSQL"));
            timed("publication", () -> isolated(() -> publication(c)));
            timed("slot", () -> isolated(() -> slot(c)));
        }

        /*
         * Table copies are read in chunks between watermarks that travel through the replication stream: logical
         * decoding messages, which pgoutput sends from PostgreSQL 14 on and which the role must be allowed to write.
         */
        private Check copyWatermarks(int versionNum, String version, boolean canEmit, String function) {
            if (versionNum < MESSAGES_VERSION) {
                return fail("copy_watermarks", "PostgreSQL " + version + " does not send logical decoding messages through pgoutput, which"
                            + " table copies use as their watermarks", version, ">= 14", "Upgrade the source to PostgreSQL 14 or newer");
            }
            return canEmit
                    ? pass("copy_watermarks", "role " + spec.username() + " may write the watermarks of table copies (" + function + ")",
                           "EXECUTE", "EXECUTE")
                    : fail("copy_watermarks", "role " + spec.username() + " may not execute " + function + ", which writes the watermarks"
                           + " of table copies", "no EXECUTE", "EXECUTE", "GRANT EXECUTE ON FUNCTION " + function + " TO "
                           + TableDiscovery.TableName.quote(spec.username()) + ";");
        }

        private static int versionNumber(Map<String, Object> server) {
            return ((Number) server.get("version_num")).intValue();
        }

        /*
         * A savepoint around an independent check: one the server fails (a statement_timeout on a large catalog,
         * say) must not leave the transaction the next check runs in aborted. DbClient has no savepoint API.
         */
        private Check isolated(CheckedSupplier<Check> check) throws SQLException {
            Savepoint savepoint = connection.setSavepoint();
            try {
                Check result = check.get();
                connection.releaseSavepoint(savepoint);
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback(savepoint);
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        private Check publication(DbTransaction c) throws SQLException {
            String name = spec.publicationName();
            if (name == null) {
                return Check.skip("publication", "no publication is named; each pipeline creates its own");
            }
            DbRow rs = c.createNamedGet("check-publication").addParam("name", name).execute().orElse(null);
            if (rs == null) {
                return fail("publication", "publication " + name + " does not exist", "missing", "exists",
                            "CREATE PUBLICATION " + TableDiscovery.TableName.quote(name) + " FOR ALL TABLES;");
            }
            if (rs.column("all_tables").get(Boolean.class)) {
                return pass("publication", "publication " + name + " publishes all tables", "FOR ALL TABLES", "exists");
            }
            List<String> missing = strings(rs.column("missing_tables").get(Array.class));
            if (missing.isEmpty()) {
                return pass("publication", "publication " + name + " publishes every table", "all tables", "exists");
            }
            return new Check("publication", Status.WARN, "publication " + name + " lacks " + missing.size() + " table(s): "
                    + String.join(", ", missing), String.join(", ", missing), "every captured table",
                    "ALTER PUBLICATION " + TableDiscovery.TableName.quote(name) + " ADD TABLE " + String.join(", ", missing) + ";", 0);
        }

        private Check slot(DbTransaction c) {
            String name = spec.slotName();
            if (name == null) {
                return Check.skip("slot", "no slot is named; each pipeline creates its own");
            }
            DbRow rs = c.createNamedGet("check-slot").addParam("name", name).execute().orElse(null);
            if (rs == null) {
                return fail("slot", "replication slot " + name + " does not exist", "missing", "exists",
                            "SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput');");
            }
            String plugin = rs.column("plugin").get(String.class);
            String walStatus = rs.column("wal_status").get(String.class);
            String invalidation = rs.column("invalidation_reason").get(String.class);
            String database = rs.column("database").get(String.class);
            if (!"logical".equals(rs.column("slot_type").get(String.class)) || !"pgoutput".equals(plugin)) {
                return fail("slot", "slot " + name + " uses " + (plugin == null ? "physical replication" : plugin)
                        + ", not pgoutput", String.valueOf(plugin), "pgoutput",
                        "SELECT pg_drop_replication_slot('" + name + "'); SELECT pg_create_logical_replication_slot('" + name
                        + "', 'pgoutput');");
            }
            if (!Boolean.TRUE.equals(rs.column("same_database").get(Boolean.class))) {
                return fail("slot", "slot " + name + " belongs to database " + database, database, spec.database(),
                            "Name a slot created in database " + spec.database());
            }
            if ("lost".equals(walStatus) || invalidation != null) {
                return fail("slot", "slot " + name + " is invalidated (" + (invalidation != null ? invalidation : "WAL removed")
                        + "); a new slot and a new snapshot are needed", "lost", "reserved",
                        "SELECT pg_drop_replication_slot('" + name + "'); SELECT pg_create_logical_replication_slot('" + name
                        + "', 'pgoutput');");
            }
            if (rs.column("active").get(Boolean.class)) {
                Integer pid = rs.column("active_pid").get(Integer.class);
                return fail("slot", "slot " + name + " is held by another process (pid " + pid + ")",
                            "active", "inactive", "Stop the other consumer, or SELECT pg_terminate_backend(" + pid + ");");
            }
            return pass("slot", "slot " + name + " is a free pgoutput slot in this database", "pgoutput", "pgoutput");
        }

        /* Runs a check that produces a value later checks need; a failure skips every later check. */
        private <T> T step(String name, CheckedSupplier<Outcome<T>> body) {
            begin(name);
            try {
                Outcome<T> outcome = body.get();
                finish(outcome.check());
                return outcome.value();
            } catch (SourceFailure e) {
                failAndSkipRest(name, e.getMessage(), e.kind().label());
            } catch (SQLException | DbClientException e) {
                SourceFailure f = SourceConnector.classify(e, spec, null, remaining());
                failAndSkipRest(name, f.getMessage(), f.kind().label());
            } catch (RuntimeException e) {
                failAndSkipRest(name, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), "error");
            }
            return null;
        }

        /* Runs an independent check; its failure does not skip the others. */
        private void timed(String name, CheckedSupplier<Check> body) {
            begin(name);
            try {
                finish(body.get());
            } catch (SQLException | RuntimeException e) {
                finish(fail(name, "the check could not run: " + SourceConnector.classify(e, spec, null, remaining()).getMessage(), null,
                            null, null));
            }
        }

        private synchronized void begin(String name) {
            current = name;
            currentStart = System.nanoTime();
        }

        private synchronized void finish(Check check) {
            if (abandoned) {
                return;
            }
            long ms = (System.nanoTime() - currentStart) / 1_000_000;
            checks.add(new Check(check.name(), check.status(), check.message(), check.observed(), check.expected(), check.remediation(),
                                 check.status() == Status.SKIP ? 0 : ms));
            current = null;
        }

        private synchronized void add(Check check) {
            if (!abandoned) {
                checks.add(check);
            }
        }

        private synchronized void failAndSkipRest(String name, String message, String cause) {
            if (abandoned) {
                return;
            }
            errorDetail = cause + ": " + message;
            checks.add(new Check(name, Status.FAIL, message, null, null, remediation(name), (System.nanoTime() - currentStart) / 1_000_000));
            current = null;
            for (String later : CHECKS.subList(CHECKS.indexOf(name) + 1, CHECKS.size())) {
                checks.add(Check.skip(later, "skipped: " + name + " failed"));
            }
        }

        /* Time is up: the running check fails with a time-out, everything after it is skipped. */
        synchronized void abandon() {
            String name = current != null ? current : CHECKS.get(Math.min(checks.size(), CHECKS.size() - 1));
            failAndSkipRest(name, "no answer within the test's limit of " + timeout.toMillis() + " ms", "timeout");
            abandoned = true;
            close();
        }

        synchronized ConnectionReport report(long latencyMs) {
            boolean success = checks.stream().anyMatch(c -> c.name().equals("authenticate") && c.status() == Status.PASS);
            List<String> failed = checks.stream().filter(c -> c.status() == Status.FAIL).map(Check::name).toList();
            boolean cdcReady = success && failed.isEmpty();
            String message;
            if (!success) {
                message = "Could not connect: " + (errorDetail == null ? "unknown error" : errorDetail);
            } else if (cdcReady) {
                message = "Connected to PostgreSQL " + serverInfo.getOrDefault("server_version", "") + "; ready for CDC";
            } else {
                message = "Connected, but not ready for CDC: " + String.join(", ", failed) + " failed";
            }
            if (errorDetail == null && !failed.isEmpty()) {
                errorDetail = checks.stream().filter(c -> c.status() == Status.FAIL).findFirst().map(Check::message).orElse(null);
            }
            return new ConnectionReport(success, cdcReady, message, latencyMs, success ? Map.copyOf(serverInfo) : Map.of(), errorDetail,
                                        List.copyOf(checks));
        }

        private void close() {
            Connection c = connection;
            Socket s = socket;
            if (c != null && !abandoned) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the test is over either way
                }
            } else if (s != null) {
                SourceConnector.abort(s);
            }
        }

        private Duration remaining() {
            return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
        }
    }

    private static String remediation(String check) {
        return switch (check) {
            case "host_policy" -> "Use a host the operator's policy allows (sources.hosts.allow / sources.hosts.deny)";
            case "connect" -> "Check the host and port, that PostgreSQL listens there (listen_addresses), and any firewall between";
            case "authenticate" -> "Check the user name, password, database and ssl_mode, and that pg_hba.conf admits this client";
            default -> null;
        };
    }

    private static Check pass(String name, String message, String observed, String expected) {
        return new Check(name, Status.PASS, message, observed, expected, null, 0);
    }

    private static Check fail(String name, String message, String observed, String expected, String remediation) {
        return new Check(name, Status.FAIL, message, observed, expected, remediation, 0);
    }


    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }

    @FunctionalInterface
    private interface CheckedSupplier<T> {
        T get() throws SQLException;
    }

    private record Outcome<T>(T value, Check check) {
    }
}
