package io.philotes.http;

import java.util.List;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.RoutingRequest;
import io.philotes.net.TrustedProxies;

/** Who sent a request: its peer, or behind a trusted proxy the client the proxy forwarded for. */
final class ClientAddress {
    private static final HeaderName FORWARDED_FOR = HeaderNames.create("X-Forwarded-For");

    private ClientAddress() {
    }

    static String of(RoutingRequest request, TrustedProxies proxies) {
        return proxies.client(request.remotePeer().host(),
                              () -> request.headers().contains(FORWARDED_FOR) ? request.headers().get(FORWARDED_FOR).allValues() : List.of());
    }
}
