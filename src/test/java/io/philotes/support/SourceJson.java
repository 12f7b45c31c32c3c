package io.philotes.support;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/** Request bodies for sources in tests. */
public final class SourceJson {
    private SourceJson() {
    }

    public static JsonObjectBuilder on(SourceServers.Server server, String database, String user, String password) {
        return Json.createObjectBuilder()
                .add("host", "127.0.0.1")
                .add("port", server.port())
                .add("database", database)
                .add("username", user)
                .add("password", password)
                .add("ssl_mode", "disable");
    }

    public static JsonObject named(String name, int port) {
        return Json.createObjectBuilder()
                .add("name", name)
                .add("host", "localhost")
                .add("port", port)
                .add("database", "app")
                .add("username", "cdc")
                .add("password", "pw")
                .build();
    }
}
