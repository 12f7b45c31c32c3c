package io.philotes.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.http.Problems;

/** {@code GET /openapi} and {@code /openapi.yaml}: the contract, as the tests check it. */
public final class OpenApiHandler implements HttpService {
    /** Class-path location of the document. */
    public static final String RESOURCE = "/openapi.yaml";

    private final byte[] document;

    public OpenApiHandler() {
        try (InputStream in = OpenApiHandler.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            this.document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/openapi", this::document)
                .any("/openapi", Problems.allow(Method.GET))
                .get("/openapi.yaml", this::document)
                .any("/openapi.yaml", Problems.allow(Method.GET));
    }

    private void document(ServerRequest request, ServerResponse response) {
        response.headers().contentType(MediaTypes.APPLICATION_YAML);
        response.send(document);
    }
}
