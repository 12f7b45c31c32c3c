package io.philotes.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /openapi} and {@code /openapi.yaml}: the contract, as the tests check it. */
public final class OpenApiHandler {
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

    /**
     * Sends the document.
     *
     * @param request  the request
     * @param response the response
     */
    public void document(ServerRequest request, ServerResponse response) {
        response.headers().contentType(MediaTypes.APPLICATION_YAML);
        response.send(document);
    }
}
