package io.philotes.sink;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.philotes.core.ApiException;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * A new webhook sink in a request, validated.
 *
 * @param name      1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit
 * @param url       an http or https URL without user info or fragment
 * @param batchSize events per request at most, 1 to 1000 (100 by default)
 * @param headers   extra request headers (at most 20), e.g. the receiver's own credentials
 */
record SinkDraft(String name, URI url, int batchSize, Map<String, String> headers) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    /* Headers the sink sets itself, or that the HTTP client owns. */
    private static final Set<String> RESERVED = Set.of("content-type", "content-length", "host", "connection", "transfer-encoding", "expect",
                                                       "upgrade", "te", "trailer", "keep-alive", "user-agent");
    private static final Set<String> FIELDS = Set.of("name", "type", "url", "batch_size", "headers");
    private static final Set<String> READ_ONLY = Set.of("pipeline_id", "state", "cursor", "lag_events", "attempts", "header_names", "secret",
                                                        "created_at", "last_error", "last_success_at", "delivered_events");

    static SinkDraft parse(JsonObject body) {
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(FIELDS, READ_ONLY, "a sink field (name, type, url, batch_size, headers)");
        String name = r.text("name", true, 63, false, n -> {
            if (!NAME.matcher(n).matches()) {
                r.error("name", "must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
        });
        r.text("type", true, 20, false, t -> {
            if (!t.equals("webhook")) {
                r.error("type", "must be \"webhook\" (the only sink type)");
            }
        });
        URI[] url = {null};
        r.text("url", true, 2048, false, u -> url[0] = url(u, r));
        Long batchSize = r.whole("batch_size", 1, 1000);
        Map<String, String> headers = headers(body.get("headers"), r);
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return new SinkDraft(name, url[0], batchSize == null ? 100 : batchSize.intValue(), headers);
    }

    private static URI url(String text, FieldReader r) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                r.error("url", "must be an http or https URL");
            } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                r.error("url", "must name a host");
            } else if (uri.getRawUserInfo() != null) {
                r.error("url", "must not carry user info (credentials in a URL end up in logs); send them in headers instead");
            } else if (uri.getRawFragment() != null) {
                r.error("url", "must not have a fragment");
            } else {
                return uri;
            }
        } catch (URISyntaxException e) {
            r.error("url", "is not a URL: " + e.getReason());
        }
        return null;
    }

    private static Map<String, String> headers(JsonValue value, FieldReader r) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (value == null) {
            return headers;
        }
        if (!(value instanceof JsonObject object)) {
            r.error("headers", "must be an object of header names and their values");
            return headers;
        }
        if (object.size() > 20) {
            r.error("headers", "must have at most 20 headers");
            return headers;
        }
        for (Map.Entry<String, JsonValue> e : object.entrySet()) {
            String header = e.getKey();
            String lower = header.toLowerCase(Locale.ROOT);
            if (!TOKEN.matcher(header).matches()) {
                r.error("headers", "has a name that is not an HTTP header name (letters, digits and !#$%&'*+.^_`|~-, at most 64)");
            } else if (RESERVED.contains(lower) || lower.startsWith("webhook-")) {
                r.error("headers", "may not set " + header + ": the sink sets it itself");
            } else if (!(e.getValue() instanceof JsonString s) || s.getString().length() > 4096
                       || s.getString().chars().anyMatch(c -> (c < 0x20 && c != '\t') || c > 0x7e)) {
                // The value is never quoted back: it may be a credential.
                r.error("headers", "has a value for " + header + " that is not a string of at most 4096 printable ASCII characters");
            } else {
                headers.put(header, s.getString());
            }
        }
        return headers;
    }
}
