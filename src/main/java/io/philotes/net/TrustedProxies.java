package io.philotes.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The proxies whose {@code X-Forwarded-For} is believed ({@code http.trusted.proxies}; none by default). The
 * client of a request is its peer, unless the peer is a trusted proxy: then it is the right-most address in
 * the header that is not a trusted proxy, so a client cannot choose its own address by sending the header.
 */
public final class TrustedProxies {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV4_WITH_PORT = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}:\\d{1,5}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");
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
     * @param forwardedFor  the values of its {@code X-Forwarded-For} headers, in order; read only for a trusted peer
     * @return the client's address as text
     */
    public String client(String peer, Supplier<List<String>> forwardedFor) {
        if (rules.isEmpty() || !trusted(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        forwardedFor.get().forEach(value -> {
            for (String hop : value.split(",")) {
                hops.add(hop.trim());
            }
        });
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = address(hops.get(i));
            if (hop == null) {
                // Not an address: whatever a proxy or the client wrote there, the last trusted hop is all we know.
                return client;
            }
            // The address alone: a port some proxies add changes with every connection of one client.
            client = hop.getHostAddress();
            if (!trusted(hop)) {
                return client;
            }
        }
        return client;
    }

    private boolean trusted(String text) {
        InetAddress address = address(text);
        return address != null && trusted(address);
    }

    private boolean trusted(InetAddress address) {
        return rules.stream().anyMatch(r -> r.matches("", address));
    }

    /*
     * An IP literal, never a name to resolve: a.b.c.d or an IPv6 address, as some proxies write them also with
     * a port ("a.b.c.d:port") or in brackets ("[v6]", "[v6]:port").
     */
    private static InetAddress address(String text) {
        String literal = text;
        if (literal.startsWith("[") && literal.indexOf(']') > 0) {
            literal = literal.substring(1, literal.indexOf(']'));
        } else if (IPV4_WITH_PORT.matcher(literal).matches()) {
            literal = literal.substring(0, literal.indexOf(':'));
        }
        if (!IPV4.matcher(literal).matches() && !(literal.contains(":") && IPV6.matcher(literal).matches())) {
            return null;
        }
        try {
            // A literal: InetAddress parses it without a look-up.
            return HostPolicy.normalize(InetAddress.getByName(literal));
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
