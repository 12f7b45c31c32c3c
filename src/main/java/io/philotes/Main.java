package io.philotes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;

import io.helidon.http.Method;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.http.HttpRouting;
import io.philotes.cdc.CdcEngine;
import io.philotes.cdc.EventPruner;
import io.philotes.cdc.EventStore;
import io.philotes.config.Settings;
import io.philotes.db.Database;
import io.philotes.db.DatabaseMonitor;
import io.philotes.db.Migrations;
import io.philotes.db.SqlStatements;
import io.philotes.http.AccessLog;
import io.philotes.http.ApiRoutes;
import io.philotes.http.Cors;
import io.philotes.http.HttpJson;
import io.philotes.http.Problems;
import io.philotes.http.RateLimiter;
import io.philotes.http.RequestGuards;
import io.philotes.net.OwnEndpoints;
import io.philotes.pipeline.PipelineHandler;
import io.philotes.pipeline.PipelineRepository;
import io.philotes.pipeline.PipelineService;
import io.philotes.pipeline.Supervisor;
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

/** Wires Philotes: configuration, database, stores, services, the routing table, the server. */
public final class Main {
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
        DatabaseMonitor monitor = new DatabaseMonitor(database, Migrations.load(statements), Duration.ofSeconds(1), Duration.ofSeconds(2));
        FutureTask<DatabaseMonitor.State> firstCheck = new FutureTask<>(monitor::check);
        Thread.ofVirtual().name("philotes-first-database-check").start(firstCheck);

        Settings.Sources s = settings.sources();
        OwnEndpoints own = new OwnEndpoints(database.endpoints(), settings.server().port());
        SourceConnector connector = new SourceConnector(s.hostPolicy(), own);
        SourceService sources = new SourceService(new SourceRepository(database.client()), Commands.secretBox(settings, database),
                new ConnectionTester(connector, statements, s.testTimeout(), s.testConcurrency()),
                new TableDiscovery(connector, statements, s.testTimeout(), s.discoveryTimeout()));
        EventStore events = new EventStore(database);
        CdcEngine engine = new CdcEngine(connector, events, database.dataSource(), s.testTimeout());
        PipelineService pipelines = new PipelineService(new PipelineRepository(database.client()), sources, engine, events);
        Supervisor supervisor = new Supervisor(pipelines, settings.events().superviseInterval());
        EventPruner pruner = new EventPruner(database.client(), settings.events().retention(), settings.events().pruneInterval());

        Metrics metrics = new Metrics(database.client(), engine);
        AccessLog accessLog = new AccessLog(settings.http().trustedProxies());
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter(accessLog)
                .addFilter(metrics)
                .addFilter(new Cors(settings.http().corsOrigins()))
                .addFilter(RateLimiter.of(settings.http()))
                .addFilter(new RequestGuards(settings.http().bodyLimit(), monitor::ready))
                .register(routes(ApiRoutes.create(new HttpJson(settings.http().bodyLimit())), new HealthHandler(monitor), metrics,
                                 new OpenApiHandler(), DocumentHandler.version(BuildInfo.load()), DocumentHandler.config(settings),
                                 new SourceHandler(sources), new PipelineHandler(pipelines)))
                .error(Throwable.class, Problems::handle)
                .any(Problems::notFound);

        Philotes philotes = Philotes.serve(settings, routing, firstCheck, database, monitor, accessLog, List.of(supervisor, engine, pruner));
        own.listening(philotes.port());
        monitor.whenReady(supervisor::start);
        pruner.start();
        return philotes;
    }

    /* Every route and its handler, in matching order (a fixed segment before a {parameter} in its place). */
    static ApiRoutes routes(ApiRoutes routes, HealthHandler health, Metrics metrics, OpenApiHandler openApi, DocumentHandler version,
                            DocumentHandler config, SourceHandler sources, PipelineHandler pipelines) {
        return routes
                .get("/health", health::health)
                .get("/health/live", health::live)
                .get("/health/ready", health::ready)
                .handler(Method.GET, "/metrics", metrics::scrape)
                .handler(Method.GET, "/openapi", openApi::document)
                .handler(Method.GET, "/openapi.yaml", openApi::document)
                .get("/api/v1/version", version::document)
                .get("/api/v1/config", config::document)
                .get("/api/v1/sources", sources::list)
                .post("/api/v1/sources", sources::create)
                .post("/api/v1/sources/test", sources::testUnsaved)
                .get("/api/v1/sources/{id}", sources::get)
                .put("/api/v1/sources/{id}", sources::update)
                .delete("/api/v1/sources/{id}", sources::delete)
                .post("/api/v1/sources/{id}/test", sources::test)
                .get("/api/v1/sources/{id}/tables", sources::tables)
                .get("/api/v1/pipelines", pipelines::list)
                .post("/api/v1/pipelines", pipelines::create)
                .get("/api/v1/pipelines/{id}", pipelines::get)
                .put("/api/v1/pipelines/{id}", pipelines::update)
                .delete("/api/v1/pipelines/{id}", pipelines::delete)
                .post("/api/v1/pipelines/{id}/start", pipelines::start)
                .post("/api/v1/pipelines/{id}/stop", pipelines::stop)
                .get("/api/v1/pipelines/{id}/status", pipelines::status)
                .get("/api/v1/pipelines/{id}/events", pipelines::events)
                .get("/api/v1/pipelines/{id}/tables", pipelines::tables)
                .post("/api/v1/pipelines/{id}/tables", pipelines::addTable)
                .get("/api/v1/pipelines/{id}/tables/{mapping_id}", pipelines::table)
                .patch("/api/v1/pipelines/{id}/tables/{mapping_id}", pipelines::changeTable)
                .delete("/api/v1/pipelines/{id}/tables/{mapping_id}", pipelines::removeTable);
    }
}
