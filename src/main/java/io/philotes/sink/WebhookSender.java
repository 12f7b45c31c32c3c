package io.philotes.sink;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;

import io.philotes.cdc.EventStore;
import io.philotes.crypto.SecretBox;
import io.philotes.http.StallGuard;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;

/**
 * Sends one batch of a sink as the Standard Webhooks specification says: a JSON body, {@code webhook-id} (the same on
 * every retry of the batch), {@code webhook-timestamp} (of this attempt) and {@code webhook-signature}, once the URL
 * passed the host policy again (a name may resolve elsewhere since the sink was made). Redirects are
 * never followed, the request is bounded by {@code sinks.timeout}, and of the answer's body at most 64 KiB is read,
 * within 5 s; nothing of it is kept (an echo of the request's headers would carry the sink's credentials).
 */
final class WebhookSender {
    private static final int MAX_BODY = 64 * 1024;
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());
    private final HttpClient client;
    private final Duration timeout;
    private final SecretBox secrets;
    private final StallGuard answers;
    private final UrlPolicy urls;

    WebhookSender(Duration timeout, SecretBox secrets, StallGuard answers, UrlPolicy urls) {
        this.timeout = timeout;
        this.secrets = secrets;
        this.answers = answers;
        this.urls = urls;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /**
     * What an attempt came to.
     *
     * @param delivered whether the receiver answered 2xx
     * @param gone      whether it answered 410 Gone: it wants no more
     * @param error     why not, for the sink's status
     */
    record Outcome(boolean delivered, boolean gone, String error) {
        static final Outcome DELIVERED = new Outcome(true, false, null);

        static Outcome failed(String error) {
            return new Outcome(false, false, error);
        }
    }

    /**
     * The webhook-id of a batch: the same for the same events of the same sink, whoever sends it.
     *
     * @param sink  the sink
     * @param first the batch's first seq
     * @param last  its last seq
     * @return e.g. {@code msg_8c0d..._101_600}
     */
    static String webhookId(SinkRepository.Delivering sink, long first, long last) {
        return "msg_" + sink.id().toString().replace("-", "") + "_" + first + "_" + last;
    }

    /* {"type":"philotes.events","timestamp":...,"data":{"pipeline_id","sink","first_seq","last_seq","events":[...]}} */
    static byte[] body(SinkRepository.Delivering sink, Instant created, List<EventStore.StoredEvent> batch) {
        StringBuilder b = new StringBuilder(256 + batch.size() * 256);
        b.append("{\"type\":\"philotes.events\",\"timestamp\":\"").append(created).append("\",\"data\":{\"pipeline_id\":\"")
                .append(sink.pipelineId()).append("\",\"sink\":\"").append(sink.name()).append("\",\"first_seq\":").append(batch.getFirst().seq())
                .append(",\"last_seq\":").append(batch.getLast().seq()).append(",\"events\":[");
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            batch.get(i).writeJson(b);
        }
        return b.append("]}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    Outcome send(SinkRepository.Delivering sink, long first, long last, Instant created, List<EventStore.StoredEvent> batch) {
        Optional<String> refused = urls.refusal(URI.create(sink.url()));
        if (refused.isPresent()) {
            return Outcome.failed("not sent: " + refused.get());
        }
        HttpRequest request;
        try {
            request = request(sink, first, last, created, batch);
        } catch (RuntimeException e) {
            // Never the exception's message: it may quote a header's value or a secret.
            return Outcome.failed("the request could not be made (" + e.getClass().getSimpleName() + "): check the sink's secret and"
                    + " headers, or create it again");
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            return Outcome.failed("no answer within " + timeout.toSeconds() + " s (sinks.timeout)");
        } catch (ConnectException e) {
            return Outcome.failed("could not connect: " + (e.getMessage() == null ? "connection refused" : e.getMessage()));
        } catch (IOException e) {
            return Outcome.failed("the request failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed("the service stopped during the request");
        }
        int status = response.statusCode();
        drain(response.body());
        if (status >= 200 && status < 300) {
            return Outcome.DELIVERED;
        }
        if (status == 410) {
            return new Outcome(false, true, "the endpoint answered 410 Gone: it wants no more deliveries (resume the sink once it does)");
        }
        if (status >= 300 && status < 400) {
            return Outcome.failed("the endpoint answered " + status + " (a redirect, which is never followed): set the sink's URL to the final"
                    + " address");
        }
        return Outcome.failed("the endpoint answered " + status);
    }

    /* The request of one attempt: body, Standard Webhooks headers, the sink's own headers. */
    private HttpRequest request(SinkRepository.Delivering sink, long first, long last, Instant created, List<EventStore.StoredEvent> batch) {
        byte[] body = body(sink, created, batch);
        String id = webhookId(sink, first, last);
        long timestamp = Instant.now().getEpochSecond();
        List<String> signing = new ArrayList<>();
        signing.add(secrets.open(sink.secret(), Signing.binding("secret", sink.id(), sink.url())));
        if (sink.previous() != null && sink.previousUntil() != null) {
            signing.add(secrets.open(sink.previous(), Signing.binding("secret", sink.id(), sink.url())));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sink.url()))
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json")
                .header("User-Agent", "Philotes-Webhooks/1")
                .header("webhook-id", id)
                .header("webhook-timestamp", String.valueOf(timestamp))
                .header("webhook-signature", Signing.signature(signing, id, timestamp, body));
        if (sink.headers() != null) {
            try (var reader = JSON.createReader(new StringReader(secrets.open(sink.headers(), Signing.binding("headers", sink.id(), sink.url()))))) {
                JsonObject headers = reader.readObject();
                headers.forEach((name, value) -> request.header(name, ((JsonString) value).getString()));
            }
        }
        return request.build();
    }

    /* Reads at most 64 KiB of an answer within the stall limit, so that the connection may be used again; drops the rest. */
    private void drain(InputStream body) {
        try (body) {
            byte[] buffer = new byte[8192];
            int[] total = {0};
            answers.run(() -> {
                for (int n = body.read(buffer); n >= 0 && total[0] < MAX_BODY; n = body.read(buffer)) {
                    total[0] += n;
                }
            });
        } catch (IOException e) {
            // the answer's status is what counts
        }
    }
}
