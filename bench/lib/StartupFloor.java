import java.sql.DriverManager;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;

/**
 * The least a service on this stack can do before it is ready: a Helidon SE server with one route, ready
 * once one pgjdbc connection has answered SELECT 1. bench/startup runs it from the runtime image's own
 * Java and libraries with its own AOT cache, next to the image, so the image's launch time can be read
 * against what the machine allows.
 *
 * <p>Environment: SERVER_PORT (0 prints the chosen port), DB_URL, DB_USERNAME, DB_PASSWORD (none when unset).
 */
public final class StartupFloor {
    private StartupFloor() {
    }

    public static void main(String[] args) {
        AtomicBoolean ready = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            String password = System.getenv().getOrDefault("DB_PASSWORD", "");
            try (var connection = DriverManager.getConnection(System.getenv("DB_URL"), System.getenv("DB_USERNAME"), password);
                 var result = connection.createStatement().executeQuery("SELECT 1")) {
                ready.set(result.next());
            } catch (java.sql.SQLException e) {
                System.err.println("StartupFloor: " + e.getMessage());
            }
        });
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(System.getenv("SERVER_PORT")))
                .routing(HttpRouting.builder()
                                 .get("/health/ready", (request, response) -> response.status(ready.get() ? 200 : 503).send()))
                .build()
                .start();
        System.out.println("listening on " + server.port());
    }
}
