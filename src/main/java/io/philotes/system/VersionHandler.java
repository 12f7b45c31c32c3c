package io.philotes.system;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.http.HttpJson;
import io.philotes.http.Problems;
import jakarta.json.JsonObject;

/** {@code GET /api/v1/version}: what is running. */
public final class VersionHandler implements HttpService {
    private final JsonObject body;

    public VersionHandler(BuildInfo build) {
        this.body = HttpJson.object()
                .add("version", build.version())
                .add("api_version", "v1")
                .add("java_version", Runtime.version().toString())
                .add("build_time", build.buildTime())
                .add("git_commit", build.gitCommit())
                .build();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::version)
                .any("/", Problems.allow(Method.GET));
    }

    private void version(ServerRequest request, ServerResponse response) {
        HttpJson.send(response, Status.OK_200, body);
    }
}
