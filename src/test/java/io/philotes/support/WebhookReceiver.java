package io.philotes.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;

/**
 * A real HTTP server that receives webhooks the way a receiver does: it records every request, answers as the test
 * tells it (a status, a delay, a redirect, a huge body, no answer at all) and verifies signatures as the Standard
 * Webhooks specification says. It can stop and start again on the same port (an endpoint that is down).
 */
public final class WebhookReceiver implements AutoCloseable {
    private final List<Delivery> received = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Function<Delivery, Reply> behavior = d -> Reply.status(204);
    private HttpServer server;
    private int port;

    /**
     * A request as received.
     *
     * @param id        webhook-id
     * @param timestamp webhook-timestamp
     * @param signature webhook-signature
     * @param headers   every header, lower-cased names, first values
     * @param body      the raw body
     * @param answered  the status it was answered with
     */
    public record Delivery(String id, String timestamp, String signature, Map<String, String> headers, byte[] body, int answered) {
        public JsonObject json() {
            return Json.createReader(new StringReader(new String(body, StandardCharsets.UTF_8))).readObject();
        }

        public List<Long> seqs() {
            return json().getJsonObject("data").getJsonArray("events").stream().map(v -> v.asJsonObject().getJsonNumber("seq").longValue())
                    .toList();
        }

        public boolean accepted() {
            return answered >= 200 && answered < 300;
        }
    }

    /**
     * How to answer a request.
     *
     * @param status     the status, or -1 to never answer
     * @param delayMs    how long to wait first
     * @param bodyBytes  how many bytes of body to send (0 for none)
     * @param location   a Location header, or null
     */
    public record Reply(int status, long delayMs, long bodyBytes, String location) {
        public static Reply status(int status) {
            return new Reply(status, 0, 0, null);
        }
    }

    public WebhookReceiver() throws IOException {
        start(0);
    }

    private void start(int onPort) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 50);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
        Delivery request = new Delivery(headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature"),
                                        headers, body, 0);
        Reply reply = behavior.apply(request);
        received.add(new Delivery(request.id(), request.timestamp(), request.signature(), headers, body, reply.status()));
        try {
            if (reply.delayMs() > 0) {
                Thread.sleep(reply.delayMs());
            }
            if (reply.status() < 0) {
                Thread.sleep(600_000);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (reply.location() != null) {
            exchange.getResponseHeaders().add("Location", reply.location());
        }
        if (reply.bodyBytes() == 0) {
            exchange.sendResponseHeaders(reply.status(), -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(reply.status(), 0);
        byte[] chunk = new byte[65536];
        try (OutputStream out = exchange.getResponseBody()) {
            for (long sent = 0; sent < reply.bodyBytes(); sent += chunk.length) {
                out.write(chunk);
            }
        } catch (IOException e) {
            // the service stopped reading: as it should
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/hooks";
    }

    public int port() {
        return port;
    }

    /**
     * Sets how requests are answered from now on.
     *
     * @param how the reply to each request
     */
    public void answer(Function<Delivery, Reply> how) {
        behavior = how;
    }

    /** Stops listening: the endpoint refuses connections. */
    public void stop() {
        server.stop(0);
    }

    /**
     * Listens again on the same port.
     *
     * @throws IOException when the port was taken meanwhile
     */
    public void restart() throws IOException {
        start(port);
    }

    public List<Delivery> received() {
        return List.copyOf(received);
    }

    /**
     * The events of the accepted requests, in the order they arrived.
     *
     * @return their seqs
     */
    public List<Long> acceptedSeqs() {
        List<Long> seqs = new ArrayList<>();
        received.stream().filter(Delivery::accepted).forEach(d -> seqs.addAll(d.seqs()));
        return seqs;
    }

    /**
     * Verifies a request as the specification says: the timestamp within 5 minutes, and one of the signatures the
     * HMAC-SHA256 of {@code id.timestamp.body} under the secret's key (compared in constant time).
     *
     * @param secret the sink's secret, {@code whsec_...}
     * @param d      the request
     * @return whether it is authentic
     */
    public static boolean verify(String secret, Delivery d) {
        if (d.id() == null || d.timestamp() == null || d.signature() == null
            || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(d.timestamp())) > 300) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            mac.update((d.id() + "." + d.timestamp() + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(d.body());
            for (String signature : d.signature().split(" ")) {
                String[] parts = signature.split(",", 2);
                if (parts.length == 2 && parts[0].equals("v1") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
