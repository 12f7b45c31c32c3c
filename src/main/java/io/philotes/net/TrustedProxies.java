package io.philotes.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} is believed ({@code http.trusted.proxies}; none by default). The
 * client of a request is its peer, unless the peer is a trusted proxy: then it is the right-most address in
 * the header that is not a trusted proxy, so a client cannot choose its own address by sending the header.
 */
public final class TrustedProxies {
    private final List<HostPolicy.Rule> rules;

    private TrustedProxies(List<HostPolicy.Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * No trusted proxy: every request's client is its peer.
     *
     * @return the empty list
     */
    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    /**
     * Parses the setting.
     *
     * @param text     comma-separated addresses and networks ({@code 10.0.0.0/8})
     * @param key      the setting, for messages
     * @param problems receives a message per bad entry
     * @return the proxies
     */
    public static TrustedProxies parse(String text, String key, List<String> problems) {
        List<HostPolicy.Rule> rules = new ArrayList<>();
        for (String part : text.split(",")) {
            String entry = part.trim();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                HostPolicy.Rule rule = HostPolicy.Rule.parse(entry);
                if (rule.name() != null) {
                    problems.add(key + ": '" + entry + "' is not an address or network (a proxy is known by its address)");
                } else {
                    rules.add(rule);
                }
            } catch (IllegalArgumentException e) {
                problems.add(key + ": '" + entry + "' " + e.getMessage());
            }
        }
        return new TrustedProxies(rules);
    }

    /**
     * The client of a request.
     *
     * @param peer          the address the request came from
     * @param forwardedFor  the values of its {@code X-Forwarded-For} headers, in order
     * @return the client's address as text
     */
    public String client(String peer, List<String> forwardedFor) {
        if (rules.isEmpty() || !trusted(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        forwardedFor.forEach(value -> {
            for (String hop : value.split(",")) {
                hops.add(hop.trim());
            }
        });
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (address(hop) == null) {
                // Not an address: whatever a proxy or the client wrote there, the last trusted hop is all we know.
                return client;
            }
            client = hop;
            if (!trusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    private boolean trusted(String text) {
        InetAddress address = address(text);
        return address != null && rules.stream().anyMatch(r -> r.matches("", address));
    }

    /* An IP literal, never a name to resolve. */
    private static InetAddress address(String text) {
        if (text.isEmpty() || !text.matches("[0-9a-fA-F.:]+")) {
            return null;
        }
        try {
            return HostPolicy.normalize(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
