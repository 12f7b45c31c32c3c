package io.philotes.http;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.core.ApiException;

/**
 * Optimistic concurrency over HTTP: resources carry an integer version, sent as {@code ETag: "<version>"};
 * a write with {@code If-Match} applies only to that version.
 */
public final class Versions {
    private static final Pattern TAG = Pattern.compile("\\s*(?:W/)?\"(\\d{1,9})\"\\s*");

    private Versions() {
    }

    /**
     * The version a write is conditional on.
     *
     * @param request the request
     * @return the version from {@code If-Match}, empty without one or for {@code *}
     * @throws ApiException bad-request for an If-Match that is not one of our tags
     */
    public static OptionalInt ifMatch(ServerRequest request) {
        var header = request.headers().first(HeaderNames.IF_MATCH);
        if (header.isEmpty() || header.get().trim().equals("*")) {
            return OptionalInt.empty();
        }
        Matcher m = TAG.matcher(header.get());
        if (!m.matches()) {
            throw ApiException.badRequest("If-Match must be an ETag this API returned, like \"3\"");
        }
        return OptionalInt.of(Integer.parseInt(m.group(1)));
    }

    /**
     * Sets the ETag of a resource.
     *
     * @param response the response
     * @param version  the resource's version
     */
    public static void etag(ServerResponse response, int version) {
        response.header(HeaderNames.ETAG, "\"" + version + "\"");
    }
}
