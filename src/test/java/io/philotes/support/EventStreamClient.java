package io.philotes.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A server-sent events client as a browser's EventSource reads a stream: lines are gathered into messages at each
 * blank line; {@code id}, {@code event} and {@code data} fields, and comments. Reads on a thread of its own, so a
 * test can wait for the next message with a time-out.
 */
public final class EventStreamClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
            .build();
    private static final Message END = new Message(null, null, null, null);

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final String errorBody;

    /**
     * One message of the stream.
     *
     * @param id      its id, or null
     * @param event   its event name, or null (a message)
     * @param data    its data, or null
     * @param comment its comment, for a comment line alone
     */
    public record Message(String id, String event, String data, String comment) {
        /**
         * The data as JSON.
         *
         * @return the object
         */
        public JsonObject json() {
            return Json.createReader(new StringReader(data)).readObject();
        }
    }

    /**
     * Opens a stream.
     *
     * @param port    the service's port
     * @param path    path and query
     * @param key     the API key
     * @param headers name, value, name, value...
     */
    public EventStreamClient(int port, String path, String key, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            try (InputStream in = response.body()) {
                errorBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<String> errors = ContractChecker.instance().check("GET", path.split("\\?", 2)[0], response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null), errorBody);
            if (!errors.isEmpty()) {
                fail("Response breaks the OpenAPI contract: " + errors);
            }
            reader = null;
            return;
        }
        errorBody = null;
        if (!response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            fail("an event stream is text/event-stream, not " + response.headers().firstValue("Content-Type"));
        }
        reader = Thread.ofVirtual().start(this::read);
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            List<String> data = new ArrayList<>();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (id != null || event != null || !data.isEmpty()) {
                        messages.add(new Message(id, event, data.isEmpty() ? null : String.join("\n", data), null));
                    }
                    id = null;
                    event = null;
                    data = new ArrayList<>();
                } else if (line.startsWith(":")) {
                    messages.add(new Message(null, null, null, line.substring(1).strip()));
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
        } catch (IOException e) {
            // the stream ended
        } finally {
            messages.add(END);
        }
    }

    public int status() {
        return response.statusCode();
    }

    /**
     * The problem of a stream that did not open.
     *
     * @return its body
     */
    public JsonObject problem() {
        return Json.createReader(new StringReader(errorBody)).readObject();
    }

    /**
     * The next message.
     *
     * @param timeout how long to wait
     * @return it, or null when the stream ended or nothing came in time
     * @throws InterruptedException when interrupted
     */
    public Message next(Duration timeout) throws InterruptedException {
        Message m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == END) {
            messages.add(END);
            return null;
        }
        return m;
    }

    /**
     * Whether the server ended the stream.
     *
     * @param timeout how long to wait for the end, skipping messages
     * @return true once it ended
     * @throws InterruptedException when interrupted
     */
    public boolean ended(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Message m = messages.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (m == END) {
                messages.add(END);
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.interrupt();
            try {
                response.body().close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
