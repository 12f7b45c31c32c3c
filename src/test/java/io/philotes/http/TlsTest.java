package io.philotes.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.philotes.config.InvalidConfigException;
import io.philotes.support.TestApp;
import io.philotes.support.TestPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** HTTPS on the API port from PEM files, and mutual TLS with a client CA; certificates made here with keytool. */
class TlsTest {
    private static final char[] STORE_PASSWORD = "changeit".toCharArray();
    private static Path dir;
    private static KeyStore server;
    private static KeyStore client;

    @BeforeAll
    static void certificates() throws Exception {
        dir = TestPostgres.tempDir("philotes-tls");
        server = keyPair("server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        client = keyPair("client", "CN=philotes-test-client", null);
        pem(dir.resolve("server.crt"), "CERTIFICATE", server.getCertificate("server").getEncoded());
        pem(dir.resolve("server.key"), "PRIVATE KEY", server.getKey("server", STORE_PASSWORD).getEncoded());
        pem(dir.resolve("client-ca.crt"), "CERTIFICATE", client.getCertificate("client").getEncoded());
    }

    @Test
    void theApiPortSpeaksHttpsOnly() throws Exception {
        try (TestApp app = TestApp.start(Map.of("server.tls.cert", dir.resolve("server.crt").toString(),
                                                "server.tls.key", dir.resolve("server.key").toString()))) {
            assertThat(get(https(false), "https://localhost:" + app.port() + "/health/ready"), is(200));
            assertThrows(IOException.class, () -> get(HttpClient.newHttpClient(), "http://localhost:" + app.port() + "/health/ready"));
        }
    }

    @Test
    void withAClientCaOnlyClientsWithItsCertificateGetThrough() throws Exception {
        try (TestApp app = TestApp.start(Map.of("server.tls.cert", dir.resolve("server.crt").toString(),
                                                "server.tls.key", dir.resolve("server.key").toString(),
                                                "server.tls.client-ca", dir.resolve("client-ca.crt").toString()))) {
            String url = "https://localhost:" + app.port() + "/health/ready";
            assertThrows(IOException.class, () -> get(https(false), url));
            assertThat(get(https(true), url), is(200));
        }
    }

    @Test
    void aCertificateWithoutItsKeyIsAConfigurationError() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> TestApp.settings(Map.of("server.tls.cert", dir.resolve("server.crt").toString())));
        assertThat(e.problems(), hasItem("server.tls.key (SERVER_TLS_KEY) = '' must be set with server.tls.cert"));
    }

    @Test
    void filesThatAreNotPemStopTheStartSayingSo() throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> TestApp.start(Map.of("server.tls.cert", garbage.toString(), "server.tls.key", garbage.toString())));
        assertThat(e.getMessage(), containsString("must be PEM files"));
    }

    private static int get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                         HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /* A client that trusts the test's server certificate, and presents the client certificate when asked to. */
    private static HttpClient https(boolean withClientCertificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        Certificate serverCertificate = server.getCertificate("server");
        trusted.setCertificateEntry("server", serverCertificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(withClientCertificate ? client : emptyStore(), STORE_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static KeyStore emptyStore() throws Exception {
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, STORE_PASSWORD);
        return empty;
    }

    private static KeyStore keyPair(String alias, String name, String extension) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        ProcessBuilder keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", name, "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", new String(STORE_PASSWORD)).redirectErrorStream(true);
        if (extension != null) {
            keytool.command().addAll(List.of("-ext", extension));
        }
        Process p = keytool.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
        assertThat(output, p.exitValue(), is(0));
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, STORE_PASSWORD);
        }
        return keyStore;
    }

    private static void pem(Path file, String type, byte[] der) throws IOException {
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n");
    }
}
