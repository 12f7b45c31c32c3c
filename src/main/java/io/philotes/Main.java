package io.philotes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;

import io.helidon.http.Method;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.http.HttpRouting;
import io.philotes.auth.AuditHandler;
import io.philotes.auth.AuditLog;
import io.philotes.auth.Denials;
import io.philotes.auth.KeyHandler;
import io.philotes.auth.KeyRepository;
import io.philotes.auth.KeyService;
import io.philotes.cdc.CdcEngine;
import io.philotes.cdc.EventRetention;
import io.philotes.cdc.EventStore;
import io.philotes.cdc.NewEvents;
import io.philotes.config.Settings;
import io.philotes.console.Console;
import io.philotes.consumer.ConsumerHandler;
import io.philotes.consumer.ConsumerRepository;
import io.philotes.consumer.ConsumerService;
import io.philotes.crypto.SecretBox;
import io.philotes.db.Database;
import io.philotes.db.DatabaseMonitor;
import io.philotes.db.Migrations;
import io.philotes.db.Pruner;
import io.philotes.db.SqlStatements;
import io.philotes.http.AccessLog;
import io.philotes.http.ApiRoutes;
import io.philotes.http.Authenticator;
import io.philotes.http.Cors;
import io.philotes.http.HttpJson;
import io.philotes.http.Problems;
import io.philotes.http.RateLimiter;
import io.philotes.http.RequestGuards;
import io.philotes.http.StallGuard;
import io.philotes.net.OwnEndpoints;
import io.philotes.pipeline.EventStreamHandler;
import io.philotes.pipeline.PipelineHandler;
import io.philotes.pipeline.PipelineRepository;
import io.philotes.pipeline.PipelineService;
import io.philotes.pipeline.Supervisor;
import io.philotes.sink.SinkDelivery;
import io.philotes.sink.SinkHandler;
import io.philotes.sink.SinkRepository;
import io.philotes.sink.SinkService;
import io.philotes.source.ConnectionTester;
import io.philotes.source.SourceConnector;
import io.philotes.source.SourceHandler;
import io.philotes.source.SourceRepository;
import io.philotes.source.SourceService;
import io.philotes.source.TableDiscovery;
import io.philotes.system.BuildInfo;
import io.philotes.system.DocumentHandler;
import io.philotes.system.HealthHandler;
import io.philotes.system.Metrics;
import io.philotes.system.OpenApiHandler;

import static io.philotes.auth.Permission.AUDIT_READ;
import static io.philotes.auth.Permission.CONFIG_READ;
import static io.philotes.auth.Permission.CONSUMERS_READ;
import static io.philotes.auth.Permission.CONSUMERS_WRITE;
import static io.philotes.auth.Permission.EVENTS_READ;
import static io.philotes.auth.Permission.KEYS_MANAGE;
import static io.philotes.auth.Permission.METRICS_READ;
import static io.philotes.auth.Permission.PIPELINES_READ;
import static io.philotes.auth.Permission.PIPELINES_WRITE;
import static io.philotes.auth.Permission.PUBLIC;
import static io.philotes.auth.Permission.SCHEMA_READ;
import static io.philotes.auth.Permission.SESSION_READ;
import static io.philotes.auth.Permission.SOURCES_CONNECT;
import static io.philotes.auth.Permission.SOURCES_READ;
import static io.philotes.auth.Permission.SOURCES_WRITE;

/** Wires Philotes: configuration, database, stores, services, the routing table, the server. */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    /**
     * Runs a command and exits with a documented code when it fails.
     *
     * @param args command and options, see {@link Commands}
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Commands.exitOnFailure(() -> {
            Commands.Invocation invocation = Commands.parse(args);
            switch (invocation.command()) {
                case "version" -> Commands.version();
                case "migrate" -> Commands.migrate(invocation.settings());
                case "reencrypt-secrets" -> Commands.reencryptSecrets(invocation.settings(), invocation.bindLegacy());
                default -> Runtime.getRuntime().addShutdownHook(new Thread(start(invocation.settings())::close, "philotes-shutdown"));
            }
        });
    }

    /**
     * Starts the whole service.
     *
     * @param settings validated settings
     * @return the running service
     * @throws StartupException when it cannot run, with the exit code to use
     */
    public static Philotes start(Settings settings) {
        Philotes.checkListener(settings.server());
        SqlStatements statements = SqlStatements.load();
        Database database = Commands.openDatabase(settings, statements);
        Settings.Auth auth = settings.auth();
        KeyService keys = new KeyService(new KeyRepository(database.client()));
        // The first admin key exists before the service reports ready.
        Runnable firstKey = auth.enabled() ? () -> keys.ensureAdmin(auth.bootstrapKey(), settings.dataDir().resolve("admin.key")) : () -> { };
        DatabaseMonitor monitor = new DatabaseMonitor(database, Migrations.load(statements), firstKey, Duration.ofSeconds(1),
                                                      Duration.ofSeconds(2));
        FutureTask<DatabaseMonitor.State> firstCheck = new FutureTask<>(monitor::check);
        Thread.ofVirtual().name("philotes-first-database-check").start(firstCheck);

        Settings.Sources s = settings.sources();
        OwnEndpoints own = new OwnEndpoints(database.endpoints(), settings.server().port());
        SourceConnector connector = new SourceConnector(s.hostPolicy(), own);
        SecretBox secrets = Commands.secretBox(settings, database);
        SourceService sources = new SourceService(new SourceRepository(database.client()), secrets,
                new ConnectionTester(connector, statements, s.testTimeout(), s.testConcurrency()),
                new TableDiscovery(connector, statements, s.testTimeout(), s.discoveryTimeout()));
        EventStore events = new EventStore(database);
        NewEvents newEvents = new NewEvents(database.dataSource(), statements.sql("events-listen"), statements.sql("events-unlisten"),
                                            statements.sql("events-listener-probe"), settings.http().waitingMax(), settings.http().waitingClient());
        ConsumerService consumers = new ConsumerService(new ConsumerRepository(database.client()), events, newEvents);
        SinkRepository sinkRepository = new SinkRepository(database.client());
        SinkService sinks = new SinkService(sinkRepository, events, secrets, s.hostPolicy(), own);
        SinkDelivery delivery = new SinkDelivery(sinkRepository, events, newEvents, secrets, s.hostPolicy(), own, settings.events().sinkTimeout(),
                                                 settings.events().sinkRetryMax());
        CdcEngine engine = new CdcEngine(connector, events, statements, database.dataSource(), settings.events().sourceTimeout(),
                                         s.testTimeout());
        PipelineService pipelines = new PipelineService(new PipelineRepository(database.client()), sources, engine, events, settings.events());
        Supervisor supervisor = new Supervisor(pipelines, settings.events().superviseInterval());
        Duration pruneEvery = settings.events().pruneInterval();
        EventRetention retention = new EventRetention(database.client(), settings.events().retention(), settings.events().retentionMax());
        Pruner eventPruner = new Pruner("events", pruneEvery, retention::prune);
        AuditLog audit = new AuditLog(database.client());
        Pruner auditPruner = Pruner.statement(database.client(), "audit-prune", "audit entries", auth.auditRetention(), pruneEvery);

        StallGuard stalls = new StallGuard(settings.http().streamStall());
        EventStreamHandler stream = new EventStreamHandler(pipelines, events, newEvents, settings.http().streamHeartbeat(), stalls);
        Denials denials = new Denials();
        Metrics metrics = new Metrics(database.client(), engine, denials);
        AccessLog accessLog = new AccessLog(settings.http().trustedProxies(), audit::record);
        ApiRoutes api = routes(ApiRoutes.create(new HttpJson(settings.http().bodyLimit()), denials), auth.metricsPublic(),
                               new HealthHandler(monitor, engine::orphanSlots), metrics, new OpenApiHandler(),
                               DocumentHandler.version(BuildInfo.load()), DocumentHandler.config(settings), new KeyHandler(keys),
                               new AuditHandler(audit), new SourceHandler(sources), new PipelineHandler(pipelines),
                               stream, new ConsumerHandler(consumers), new SinkHandler(sinks));
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter(accessLog)
                .addFilter(metrics)
                .addFilter(new Cors(settings.http().corsOrigins()))
                .addFilter(new RequestGuards(settings.http().bodyLimit(), monitor::ready))
                .addFilter(auth.enabled() ? Authenticator.checking(keys, monitor::ready) : Authenticator.off())
                .addFilter(RateLimiter.of(settings.http()))
                .register(api)
                .get("/", Console::redirect)
                .get(Console.PATH, Console::redirect)
                .register(Console.PATH, Console.load())
                .error(Throwable.class, Problems::handle)
                .any(Problems::notFound);

        Philotes philotes = Philotes.serve(settings, routing, api.table(), firstCheck, database, monitor, accessLog, newEvents,
                                           List.of(supervisor, delivery, engine, eventPruner, auditPruner, audit, stalls));
        own.listening(philotes.port());
        if (!auth.enabled()) {
            LOG.log(System.Logger.Level.WARNING, "auth.enabled (AUTH_ENABLED) is false: every request is served as an admin without a key."
                    + " Only for a network where everyone who can reach port {0,number,#} may do everything.", philotes.port());
        }
        monitor.whenReady(supervisor::start);
        monitor.whenReady(delivery::start);
        newEvents.start();
        eventPruner.start();
        auditPruner.start();
        return philotes;
    }

    /* Every route, the permission it needs and its handler, in matching order (a fixed segment before a {parameter} in its place). */
    static ApiRoutes routes(ApiRoutes routes, boolean metricsPublic, HealthHandler health, Metrics metrics, OpenApiHandler openApi,
                            DocumentHandler version, DocumentHandler config, KeyHandler keys, AuditHandler audit, SourceHandler sources,
                            PipelineHandler pipelines, EventStreamHandler stream, ConsumerHandler consumers, SinkHandler sinks) {
        return routes
                .get("/health", PUBLIC, health::health)
                .get("/health/live", PUBLIC, health::live)
                .get("/health/ready", PUBLIC, health::ready)
                .handler(Method.GET, "/metrics", metricsPublic ? PUBLIC : METRICS_READ, metrics::scrape)
                .handler(Method.GET, "/openapi", PUBLIC, openApi::document)
                .handler(Method.GET, "/openapi.yaml", PUBLIC, openApi::document)
                .get("/api/v1/version", PUBLIC, version::document)
                .get("/api/v1/config", CONFIG_READ, config::document)
                .get("/api/v1/me", SESSION_READ, keys::me)
                .get("/api/v1/keys", KEYS_MANAGE, keys::list)
                .post("/api/v1/keys", KEYS_MANAGE, keys::create)
                .get("/api/v1/keys/{id}", KEYS_MANAGE, keys::get)
                .delete("/api/v1/keys/{id}", KEYS_MANAGE, keys::delete)
                .get("/api/v1/audit", AUDIT_READ, audit::list)
                .get("/api/v1/sources", SOURCES_READ, sources::list)
                .post("/api/v1/sources", SOURCES_WRITE, sources::create)
                .post("/api/v1/sources/test", SOURCES_CONNECT, sources::testUnsaved)
                .get("/api/v1/sources/{id}", SOURCES_READ, sources::get)
                .put("/api/v1/sources/{id}", SOURCES_WRITE, sources::update)
                .delete("/api/v1/sources/{id}", SOURCES_WRITE, sources::delete)
                .post("/api/v1/sources/{id}/test", SOURCES_CONNECT, sources::test)
                .get("/api/v1/sources/{id}/tables", SOURCES_CONNECT, sources::tables)
                .get("/api/v1/pipelines", PIPELINES_READ, pipelines::list)
                .post("/api/v1/pipelines", PIPELINES_WRITE, pipelines::create)
                .get("/api/v1/pipelines/{id}", PIPELINES_READ, pipelines::get)
                .put("/api/v1/pipelines/{id}", PIPELINES_WRITE, pipelines::update)
                .delete("/api/v1/pipelines/{id}", PIPELINES_WRITE, pipelines::delete)
                .post("/api/v1/pipelines/{id}/start", PIPELINES_WRITE, pipelines::start)
                .post("/api/v1/pipelines/{id}/stop", PIPELINES_WRITE, pipelines::stop)
                .post("/api/v1/pipelines/{id}/resnapshot", PIPELINES_WRITE, pipelines::resnapshot)
                .get("/api/v1/pipelines/{id}/status", PIPELINES_READ, pipelines::status)
                .get("/api/v1/pipelines/{id}/events", EVENTS_READ, pipelines::events)
                .handler(Method.GET, "/api/v1/pipelines/{id}/events/stream", EVENTS_READ, stream::stream)
                .get("/api/v1/pipelines/{id}/consumers", CONSUMERS_READ, consumers::list)
                .post("/api/v1/pipelines/{id}/consumers", CONSUMERS_WRITE, consumers::create)
                .get("/api/v1/pipelines/{id}/consumers/{name}", CONSUMERS_READ, consumers::get)
                .delete("/api/v1/pipelines/{id}/consumers/{name}", CONSUMERS_WRITE, consumers::delete)
                .get("/api/v1/pipelines/{id}/consumers/{name}/events", EVENTS_READ, consumers::events)
                .post("/api/v1/pipelines/{id}/consumers/{name}/ack", EVENTS_READ, consumers::ack)
                .get("/api/v1/pipelines/{id}/sinks", PIPELINES_READ, sinks::list)
                .post("/api/v1/pipelines/{id}/sinks", PIPELINES_WRITE, sinks::create)
                .get("/api/v1/pipelines/{id}/sinks/{name}", PIPELINES_READ, sinks::get)
                .delete("/api/v1/pipelines/{id}/sinks/{name}", PIPELINES_WRITE, sinks::delete)
                .post("/api/v1/pipelines/{id}/sinks/{name}/pause", PIPELINES_WRITE, sinks::pause)
                .post("/api/v1/pipelines/{id}/sinks/{name}/resume", PIPELINES_WRITE, sinks::resume)
                .post("/api/v1/pipelines/{id}/sinks/{name}/rotate-secret", PIPELINES_WRITE, sinks::rotateSecret)
                .get("/api/v1/pipelines/{id}/schema", SCHEMA_READ, pipelines::schema)
                .get("/api/v1/pipelines/{id}/tables", PIPELINES_READ, pipelines::tables)
                .post("/api/v1/pipelines/{id}/tables", PIPELINES_WRITE, pipelines::addTable)
                .get("/api/v1/pipelines/{id}/tables/{mapping_id}", PIPELINES_READ, pipelines::table)
                .patch("/api/v1/pipelines/{id}/tables/{mapping_id}", PIPELINES_WRITE, pipelines::changeTable)
                .post("/api/v1/pipelines/{id}/tables/{mapping_id}/resnapshot", PIPELINES_WRITE, pipelines::resnapshotTable)
                .delete("/api/v1/pipelines/{id}/tables/{mapping_id}", PIPELINES_WRITE, pipelines::removeTable);
    }
}
