package io.philotes.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.philotes.core.Durations;
import io.philotes.crypto.Keyring;
import io.philotes.net.HostPolicy;
import io.philotes.net.TrustedProxies;

/**
 * Everything Philotes can be configured with, validated once at startup.
 *
 * @param server  the HTTP listener
 * @param http    request-level policies
 * @param db      the metadata database
 * @param dataDir where the embedded database and generated keys live
 * @param sources how source databases are reached
 * @param events  the CDC engine and its event store
 * @param secrets the keys that encrypt source passwords
 * @param auth    access control
 */
public record Settings(Server server, Http http, Db db, Path dataDir, Sources sources, Events events, Keyring.Parsed secrets, Auth auth) {
    /** PostgreSQL's own {@code sslmode} values. */
    public static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    private static final Pattern GENERATED_KEY = Pattern.compile("phk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}");
    private static final Predicate<String> BOOTSTRAP_KEY_RULE = key -> Auth.BOOTSTRAP_KEY.matcher(key).matches()
            && !GENERATED_KEY.matcher(key).matches();

    /** Environment variable naming an extra YAML file layered over the defaults. */
    public static final String CONFIG_FILE_ENV = "PHILOTES_CONFIG";

    /**
     * The HTTP listener.
     *
     * @param host        interface to bind
     * @param port        TCP port, 0 for any free port
     * @param grace       how long in-flight requests may take to finish on shutdown
     * @param concurrency requests handled at once (as many more may wait)
     * @param tls         HTTPS, when configured
     */
    public record Server(String host, int port, Duration grace, int concurrency, Optional<Tls> tls) {
    }

    /**
     * HTTPS on the API port.
     *
     * @param cert     PEM certificate chain
     * @param key      PEM private key (PKCS#8)
     * @param clientCa PEM certificates of the authorities whose client certificates are required (mutual TLS), if any
     */
    public record Tls(Path cert, Path key, Optional<Path> clientCa) {
    }

    /**
     * Request policies.
     *
     * @param bodyLimit   largest accepted request body in bytes
     * @param rateLimit   sustained requests per second per client address, 0 for no limit
     * @param rateBurst   requests a client may send at once
     * @param corsOrigins allowed browser origins, {@code *} for any
     * @param trustedProxies the proxies whose X-Forwarded-For names the client
     * @param streamHeartbeat how long an event stream stays silent at most before a heartbeat comment
     * @param streamStall     how long an event stream's client may accept nothing before it is disconnected
     * @param waitingMax      long polls and event streams open at once on this instance
     * @param waitingClient   of those, the ones of one API key (or client address without a key)
     */
    public record Http(long bodyLimit, int rateLimit, int rateBurst, List<String> corsOrigins, TrustedProxies trustedProxies,
                       Duration streamHeartbeat, Duration streamStall, int waitingMax, int waitingClient) {
    }

    /**
     * The metadata database.
     *
     * @param url          JDBC URL of an external PostgreSQL, empty for the embedded one
     * @param username     user name for the external database
     * @param password     password for the external database (never printed)
     * @param sslMode      PostgreSQL sslmode for the external database
     * @param poolSize     largest number of pooled connections
     * @param poolTimeout  how long a caller waits for a connection
     * @param embeddedPort port of the embedded database, 0 for any free port
     */
    public record Db(String url, String username, String password, String sslMode, int poolSize,
                     Duration poolTimeout, int embeddedPort) {
        public boolean embedded() {
            return url.isBlank();
        }

        @Override
        public String toString() {
            return "Db[url=" + redactedUrl() + ", username=" + username + ", password=***, sslMode=" + sslMode
                    + ", poolSize=" + poolSize + ", poolTimeout=" + poolTimeout + ", embeddedPort=" + embeddedPort + "]";
        }

        /** The URL without query parameters or user info, which may carry credentials. */
        public String redactedUrl() {
            String noQuery = url.split("\\?", 2)[0];
            return noQuery.replaceFirst("//[^/@]*@", "//");
        }
    }

    /**
     * How source databases are contacted.
     *
     * @param testTimeout      bound on one whole connection test, and on connecting for discovery
     * @param testConcurrency  connection tests that may run at once
     * @param discoveryTimeout bound on each catalog query of table discovery
     * @param hostPolicy       which hosts may be contacted
     */
    public record Sources(Duration testTimeout, int testConcurrency, Duration discoveryTimeout, HostPolicy hostPolicy) {
    }

    /**
     * The CDC engine and its event store.
     *
     * @param retention         how long captured events are kept once every consumer acknowledged them
     * @param retentionMax      how long they are kept at most, acknowledged or not
     * @param pruneInterval     how often older ones are deleted
     * @param superviseInterval how often an instance looks for pipelines to resume, take over or stop
     * @param sourceTimeout     bound on connecting to a source and on each of its answers in a pipeline's sessions
     * @param batchBytes        about how many bytes of events a pipeline holds per batch (and per queued batch) at most
     * @param walWarn           WAL held by a pipeline's slot above which its status warns
     * @param sinkTimeout       bound on one webhook request, from connecting to its answer
     * @param sinkRetryMax      the longest wait between two attempts of a webhook batch
     */
    public record Events(Duration retention, Duration retentionMax, Duration pruneInterval, Duration superviseInterval, Duration sourceTimeout,
                         long batchBytes, long walWarn, Duration sinkTimeout, Duration sinkRetryMax) {
    }

    /**
     * Access control.
     *
     * @param enabled        whether every route but the public ones needs a key
     * @param bootstrapKey   the admin key to create when none exists (never printed)
     * @param auditRetention how long audit entries are kept
     * @param metricsPublic  whether /metrics answers without a key
     */
    public record Auth(boolean enabled, Optional<String> bootstrapKey, Duration auditRetention, boolean metricsPublic) {
        /** How {@code auth.bootstrap.key} may look (and a generated key never does). */
        public static final Pattern BOOTSTRAP_KEY = Pattern.compile("[A-Za-z0-9_-]{32,128}");

        @Override
        public String toString() {
            return "Auth[enabled=" + enabled + ", bootstrapKey=" + (bootstrapKey.isPresent() ? "***" : "none") + ", auditRetention="
                    + auditRetention + ", metricsPublic=" + metricsPublic + "]";
        }
    }

    /**
     * Builds the layered configuration: overrides, then system properties, then the environment, then
     * the file named by {@value #CONFIG_FILE_ENV}, then the defaults in the jar.
     *
     * @param overrides  highest-priority values (tests, launcher flags)
     * @param configFile extra YAML file, or null to use {@value #CONFIG_FILE_ENV} when set
     * @return the raw configuration
     */
    public static Config layered(Map<String, String> overrides, String configFile) {
        Config.Builder builder = Config.builder()
                .disableValueResolving()
                .disableKeyResolving()
                .disableSystemPropertiesSource()
                .disableEnvironmentVariablesSource()
                .addSource(ConfigSources.create(overrides).name("overrides"))
                .addSource(ConfigSources.systemProperties())
                .addSource(ConfigSources.environmentVariables());
        String file = configFile != null ? configFile : System.getenv(CONFIG_FILE_ENV);
        if (file != null && !file.isBlank()) {
            if (!Files.isReadable(Path.of(file))) {
                throw new InvalidConfigException(List.of("configuration file " + file + " cannot be read"));
            }
            builder.addSource(ConfigSources.file(Path.of(file)).build());
        }
        return builder.addSource(ConfigSources.classpath("application.yaml").build()).build();
    }

    /**
     * Validates the raw configuration.
     *
     * @param config raw configuration
     * @return the settings
     * @throws InvalidConfigException listing every problem
     */
    public static Settings from(Config config) {
        ConfigReader r = new ConfigReader(config);
        Server server = new Server(
                r.string("server.host"),
                r.integer("server.port", 0, 65535),
                r.duration("server.grace", Duration.ZERO, Duration.ofMinutes(10)),
                r.integer("server.concurrency", 1, 100_000),
                tls(r));
        r.require(!server.host().isBlank(), "server.host", server.host(), "must not be empty");
        List<String> problems = new ArrayList<>();
        Http http = new Http(
                r.bytes("http.body.limit", 1, Integer.MAX_VALUE),
                r.integer("http.rate.limit", 0, 1_000_000),
                r.integer("http.rate.burst", 1, 10_000_000),
                r.list("http.cors.origins"),
                TrustedProxies.parse(r.string("http.trusted.proxies"), "http.trusted.proxies (HTTP_TRUSTED_PROXIES)", problems),
                r.duration("http.stream.heartbeat", Duration.ofMillis(100), Duration.ofMinutes(10)),
                r.duration("http.stream.stall", Duration.ofSeconds(1), Duration.ofHours(1)),
                r.integer("http.waiting.max", 1, 100_000),
                r.integer("http.waiting.client", 1, 100_000));
        Db db = new Db(
                r.string("db.url").trim(),
                r.string("db.username"),
                r.secret("db.password"),
                r.oneOf("db.ssl.mode", SSL_MODES),
                r.integer("db.pool.size", 1, 1000),
                r.duration("db.pool.timeout", Duration.ofMillis(250), Duration.ofMinutes(5)),
                r.integer("db.embedded.port", 0, 65535));
        r.require(db.embedded() || db.url().startsWith("jdbc:postgresql://"), "db.url", db.redactedUrl(),
                  "must start with jdbc:postgresql:// (or be empty for the embedded database)");
        String dataDir = r.string("data.dir");
        r.require(!dataDir.isBlank(), "data.dir", dataDir, "must not be empty");
        Sources sources = new Sources(
                r.duration("sources.test.timeout", Duration.ofMillis(500), Duration.ofMinutes(5)),
                r.integer("sources.test.concurrency", 1, 100_000),
                r.duration("sources.discovery.timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                HostPolicy.parse(r.string("sources.hosts.allow"), r.string("sources.hosts.deny"), problems));
        Events events = new Events(
                r.duration("events.retention", Duration.ofSeconds(1), Duration.ofDays(3650)),
                r.duration("events.retention.max", Duration.ofSeconds(1), Duration.ofDays(3650)),
                r.duration("events.prune.interval", Duration.ofMillis(100), Duration.ofDays(1)),
                r.duration("pipelines.supervise.interval", Duration.ofMillis(100), Duration.ofHours(1)),
                r.duration("pipelines.source.timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                r.bytes("pipelines.batch.bytes", 64 * 1024, 1L << 30),
                r.bytes("pipelines.wal.warn", 1, Long.MAX_VALUE),
                r.duration("sinks.timeout", Duration.ofSeconds(1), Duration.ofMinutes(10)),
                r.duration("sinks.retry.max", Duration.ofSeconds(1), Duration.ofHours(24)));
        r.require(events.retentionMax().compareTo(events.retention()) >= 0, "events.retention.max", Durations.text(events.retentionMax()),
                  "must be at least events.retention (" + Durations.text(events.retention()) + ")");
        Keyring.Parsed secrets = Keyring.parse(r.secret("secrets.keys"), r.string("secrets.active"));
        String bootstrap = r.secret("auth.bootstrap.key");
        r.requireSecret(bootstrap.isEmpty() || BOOTSTRAP_KEY_RULE.test(bootstrap), "auth.bootstrap.key",
                        "must be 32 to 128 characters of A-Z, a-z, 0-9, '_' and '-', and not of the form phk_<12>_<43> of generated keys"
                        + " (its value is not shown)");
        Auth auth = new Auth(r.bool("auth.enabled"), bootstrap.isEmpty() ? Optional.empty() : Optional.of(bootstrap),
                             r.duration("audit.retention", Duration.ofMinutes(1), Duration.ofDays(3650)), r.bool("metrics.public"));
        problems.addAll(secrets.problems());
        r.add(problems);
        r.check();
        return new Settings(server, http, db, Path.of(dataDir).toAbsolutePath().normalize(), sources, events, secrets, auth);
    }

    /* Both files or neither; each one readable; a client CA only with them. */
    private static Optional<Tls> tls(ConfigReader r) {
        String cert = r.string("server.tls.cert");
        String key = r.string("server.tls.key");
        String clientCa = r.string("server.tls.client-ca");
        if (cert.isBlank() && key.isBlank()) {
            r.require(clientCa.isBlank(), "server.tls.client-ca", clientCa, "needs server.tls.cert and server.tls.key");
            return Optional.empty();
        }
        r.require(!cert.isBlank(), "server.tls.cert", cert, "must be set with server.tls.key");
        r.require(!key.isBlank(), "server.tls.key", key, "must be set with server.tls.cert");
        for (String[] file : new String[][] {{"server.tls.cert", cert}, {"server.tls.key", key}, {"server.tls.client-ca", clientCa}}) {
            r.require(file[1].isBlank() || Files.isReadable(Path.of(file[1])), file[0], file[1], "is not a readable file");
        }
        return Optional.of(new Tls(Path.of(cert), Path.of(key), clientCa.isBlank() ? Optional.empty() : Optional.of(Path.of(clientCa))));
    }
}
