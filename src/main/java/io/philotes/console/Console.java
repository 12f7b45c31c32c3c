package io.philotes.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.core.ClasspathFiles;
import io.philotes.http.Problems;

/**
 * The web console at {@code /ui/}: the static HTML, CSS and JavaScript modules of the jar's {@code ui} folder, read once
 * at startup and served from memory (only those files, by name: no path reaches the file system). Every answer forbids
 * inline script and style, framing, sniffing and referrers; the pages talk to the API on the same origin with the key
 * the user signed in with, so they need no permission of their own.
 */
public final class Console implements HttpService {
    /** Where the console is served. */
    public static final String PATH = "/ui";
    private static final String FOLDER = "ui";
    private static final String INDEX = "index.html";
    /* Trusted Types: the pages never parse a string as HTML, and the browser makes sure of it. */
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
            + " manifest-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none';"
            + " require-trusted-types-for 'script'; trusted-types 'none'";
    private static final Map<String, String> TYPES = Map.of(
            ".html", "text/html; charset=utf-8",
            ".js", "text/javascript; charset=utf-8",
            ".css", "text/css; charset=utf-8",
            ".svg", "image/svg+xml");
    private static final HeaderName CSP = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName FRAME_OPTIONS = HeaderNames.create("X-Frame-Options");
    private static final HeaderName REFERRER_POLICY = HeaderNames.create("Referrer-Policy");
    private static final HeaderName OPENER_POLICY = HeaderNames.create("Cross-Origin-Opener-Policy");
    private static final HeaderName RESOURCE_POLICY = HeaderNames.create("Cross-Origin-Resource-Policy");

    private final Map<String, File> files;

    private Console(Map<String, File> files) {
        this.files = files;
    }

    /**
     * Reads the console's files from the class path.
     *
     * @return the console
     * @throws IllegalStateException when the folder or its index is missing, or a file has a type the console does not serve
     */
    public static Console load() {
        Map<String, File> files = ClasspathFiles.read(FOLDER, "").stream()
                .collect(Collectors.toUnmodifiableMap(ClasspathFiles.NamedText::name, Console::file));
        if (!files.containsKey(INDEX)) {
            throw new IllegalStateException("The console's " + FOLDER + "/" + INDEX + " is missing from the class path");
        }
        return new Console(files);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::index)
                .head("/", this::index)
                .get("/{file}", this::file)
                .head("/{file}", this::file)
                .any("/", Problems.allow(Method.GET, Method.HEAD))
                .any("/{file}", Problems.allow(Method.GET, Method.HEAD));
    }

    /**
     * {@code GET /} and {@code GET /ui}: to the console.
     *
     * @param req the request
     * @param res the response
     */
    public static void redirect(ServerRequest req, ServerResponse res) {
        res.status(Status.FOUND_302).header(HeaderNames.LOCATION, PATH + "/").send();
    }

    private void index(ServerRequest req, ServerResponse res) {
        send(req, res, files.get(INDEX));
    }

    private void file(ServerRequest req, ServerResponse res) {
        File file = files.get(req.path().pathParameters().get("file"));
        if (file == null) {
            Problems.notFound(req, res);
            return;
        }
        send(req, res, file);
    }

    private static void send(ServerRequest req, ServerResponse res, File file) {
        res.header(CSP, POLICY)
                .header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
                .header(FRAME_OPTIONS, "DENY")
                .header(REFERRER_POLICY, "no-referrer")
                .header(OPENER_POLICY, "same-origin")
                .header(RESOURCE_POLICY, "same-origin")
                // Checked on every load, so an upgrade is seen at once; unchanged files cost a 304.
                .header(HeaderNames.CACHE_CONTROL, "no-cache")
                .header(HeaderNames.ETAG, file.etag());
        if (unchanged(req, file.etag())) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, file.type());
        if (req.prologue().method() == Method.HEAD) {
            res.header(HeaderNames.CONTENT_LENGTH, String.valueOf(file.content().length)).send();
        } else {
            res.send(file.content());
        }
    }

    /* If-None-Match (RFC 9110 13.1.2): any of its tags, weak or strong, or *, in one header line or several. */
    private static boolean unchanged(ServerRequest req, String etag) {
        if (!req.headers().contains(HeaderNames.IF_NONE_MATCH)) {
            return false;
        }
        return req.headers().get(HeaderNames.IF_NONE_MATCH).allValues(true).stream()
                .map(String::strip)
                .anyMatch(tag -> tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag));
    }

    private static File file(ClasspathFiles.NamedText text) {
        String name = text.name();
        String type = TYPES.entrySet().stream().filter(t -> name.endsWith(t.getKey())).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalStateException("The console does not serve " + FOLDER + "/" + name + ": unknown file type"));
        byte[] content = text.text().getBytes(StandardCharsets.UTF_8);
        return new File(type, content, "\"" + HexFormat.of().formatHex(sha256(content), 0, 12) + "\"");
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    private record File(String type, byte[] content, String etag) {
    }
}
