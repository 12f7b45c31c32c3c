package io.philotes.sink;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

import io.philotes.net.HostPolicy;
import io.philotes.net.OwnEndpoints;

/**
 * Where a sink may deliver: the host policy of sources (never a link-local or cloud-metadata address, the operator's
 * allow and deny lists) and never one of this service's own endpoints. Asked at a sink's creation and again before
 * every request, so a name that resolves elsewhere later is refused then. The request itself resolves the name
 * through the JDK's address cache (30 s), which holds the very addresses just checked.
 *
 * @param policy the host policy
 * @param own    this service's endpoints
 */
record UrlPolicy(HostPolicy policy, OwnEndpoints own) {
    /**
     * Why a URL may not be delivered to.
     *
     * @param url the URL
     * @return the reason, or empty when it may
     */
    Optional<String> refusal(URI url) {
        String host = url.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            InetAddress address = policy.check(host);
            int port = url.getPort() >= 0 ? url.getPort() : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
            return own.refusal(address, port, "");
        } catch (HostPolicy.HostDeniedException e) {
            return Optional.of(e.getMessage());
        } catch (UnknownHostException e) {
            return Optional.of("host " + host + " does not resolve");
        }
    }
}
