import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

/**
 * The clients of the delivery benchmarks, each as plain as a client can be so that the service is what is measured
 * (no JSON parsing beyond what a position needs). Run with {@code java bench/lib/Readers.java MODE ...}; the API key
 * comes from PHILOTES_KEY.
 *
 * <ul>
 * <li>{@code page URL LAST}: GET URL/events?after=N&limit=1000 until seq LAST; prints the seconds taken.</li>
 * <li>{@code sse URL LAST}: GET URL/events/stream?after=0 until id LAST; prints the seconds taken.</li>
 * <li>{@code poll URL CONSUMER SECONDS}: long-polls a consumer (wait=30s) and acknowledges each batch (beside the next poll) for SECONDS;
 *     prints, per event, its seq and the milliseconds from its commit_time to its arrival here.</li>
 * <li>{@code receive PORT}: a webhook receiver answering 204; prints, once no request came for 3 s after the first,
 *     the events received, the requests, and the seconds from the first request to the last.</li>
 * </ul>
 */
public final class Readers {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern NEXT = Pattern.compile("\"next_after\":(\\d+)");
    private static final Pattern BATCH = Pattern.compile("\"batch_id\":\"([0-9a-f-]+)\"");
    private static final Pattern EVENT = Pattern.compile("\"seq\":(\\d+),[^{]*?\"commit_time\":\"([^\"]+)\"");
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    private Readers() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "page" -> page(args[1], Long.parseLong(args[2]));
            case "sse" -> sse(args[1], Long.parseLong(args[2]));
            case "poll" -> poll(args[1], args[2], Integer.parseInt(args[3]));
            case "receive" -> receive(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + System.getenv("PHILOTES_KEY"));
    }

    private static void page(String url, long last) throws Exception {
        long started = System.nanoTime();
        long after = 0;
        while (after < last) {
            String body = HTTP.send(request(url + "/events?limit=1000&after=" + after).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = NEXT.matcher(body);
            if (!m.find()) {
                throw new IllegalStateException("no next_after in " + body.substring(0, Math.min(300, body.length())));
            }
            after = Long.parseLong(m.group(1));
        }
        System.out.printf("%.3f%n", (System.nanoTime() - started) / 1e9);
    }

    private static void sse(String url, long last) throws Exception {
        long started = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(request(url + "/events/stream?after=0").build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8), 1 << 16)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("id: ") && Long.parseLong(line.substring(4)) >= last) {
                    break;
                }
            }
        }
        System.out.printf("%.3f%n", (System.nanoTime() - started) / 1e9);
    }

    private static void poll(String url, String consumer, int seconds) throws Exception {
        String base = url + "/consumers/" + consumer;
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        List<String> out = new ArrayList<>();
        while (System.nanoTime() < until) {
            String body = HTTP.send(request(base + "/events?limit=1000&wait=30s").build(), HttpResponse.BodyHandlers.ofString()).body();
            Instant arrived = Instant.now();
            Matcher batch = BATCH.matcher(body);
            if (!batch.find()) {
                continue;
            }
            Matcher e = EVENT.matcher(body);
            while (e.find()) {
                out.add(e.group(1) + " " + Duration.between(Instant.parse(e.group(2)), arrived).toNanos() / 1e6);
            }
            // Acknowledged beside the next poll, as a consumer that has processed the batch does: its round trip is not
            // charged to the events that come next.
            HTTP.sendAsync(request(base + "/ack").header("Content-Type", "application/json")
                                   .POST(HttpRequest.BodyPublishers.ofString("{\"batch_id\":\"" + batch.group(1) + "\"}")).build(),
                           HttpResponse.BodyHandlers.discarding());
        }
        out.forEach(System.out::println);
    }

    private static void receive(int port) throws Exception {
        AtomicLong events = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String text = new String(body, StandardCharsets.UTF_8);
            Matcher m = SEQ.matcher(text);
            long n = 0;
            while (m.find()) {
                n++;
            }
            events.addAndGet(n);
            requests.incrementAndGet();
            last.set(System.nanoTime());
            exchange.sendResponseHeaders(204, -1);
            try (OutputStream ignored = exchange.getResponseBody()) {
                // no body
            }
        });
        server.start();
        System.err.println("receiving on " + port);
        while (first.get() == 0 || System.nanoTime() - last.get() < 3_000_000_000L) {
            Thread.sleep(100);
        }
        server.stop(0);
        System.out.printf("%d %d %.3f%n", events.get(), requests.get(), (last.get() - first.get()) / 1e9);
    }
}
