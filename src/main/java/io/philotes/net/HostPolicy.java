package io.philotes.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides which source hosts may be contacted. Rules are networks ({@code 10.0.0.0/8}, {@code fd00::/8}),
 * single addresses, host names ({@code db.internal}) or name suffixes ({@code *.corp.example}).
 * Precedence: a configured denial, then a configured allowance (when any is configured, everything else
 * is refused), then the built-in denial of link-local and cloud-metadata addresses. Every address a name
 * resolves to must pass, and the address returned is the one to connect to, so a second DNS answer cannot
 * sneak in a different target.
 */
public final class HostPolicy {
    private static final List<Rule> BUILT_IN_DENY = List.of(
            Rule.parse("169.254.0.0/16"), Rule.parse("fe80::/10"), Rule.parse("100.100.100.200"), Rule.parse("fd00:ec2::254"));

    private final List<Rule> allow;
    private final List<Rule> deny;

    private HostPolicy(List<Rule> allow, List<Rule> deny) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
    }

    /**
     * Parses the operator's lists.
     *
     * @param allow    comma-separated rules, empty for "anything not denied"
     * @param deny     comma-separated rules
     * @param problems receives a message per malformed rule
     * @return the policy
     */
    public static HostPolicy parse(String allow, String deny, List<String> problems) {
        return new HostPolicy(rules(allow, "sources.hosts.allow (SOURCES_HOSTS_ALLOW)", problems),
                              rules(deny, "sources.hosts.deny (SOURCES_HOSTS_DENY)", problems));
    }

    /**
     * Resolves a host and checks every address it has.
     *
     * @param host host name or IP literal
     * @return the address to connect to
     * @throws UnknownHostException when the name does not resolve
     * @throws HostDeniedException  when the name or one of its addresses is not allowed
     */
    public InetAddress check(String host) throws UnknownHostException, HostDeniedException {
        String name = host.toLowerCase(Locale.ROOT);
        denyIfListed(name, null);
        InetAddress[] addresses = InetAddress.getAllByName(host);
        for (InetAddress address : addresses) {
            denyIfListed(name, normalize(address));
        }
        return Arrays.stream(addresses).filter(a -> a instanceof Inet4Address).findFirst().orElse(addresses[0]);
    }

    private void denyIfListed(String name, InetAddress address) throws HostDeniedException {
        Optional<Rule> denied = deny.stream().filter(r -> r.matches(name, address)).findFirst();
        if (denied.isPresent()) {
            throw new HostDeniedException(describe(name, address) + " is denied by the host policy (rule " + denied.get().text() + ")");
        }
        if (address == null) {
            return;
        }
        boolean allowed = allow.stream().anyMatch(r -> r.matches(name, address));
        if (!allow.isEmpty() && !allowed) {
            throw new HostDeniedException(describe(name, address) + " is not in the allowed hosts of the host policy");
        }
        if (!allowed) {
            Optional<Rule> builtIn = BUILT_IN_DENY.stream().filter(r -> r.matches(name, address)).findFirst();
            if (builtIn.isPresent()) {
                throw new HostDeniedException(describe(name, address) + " is a link-local or cloud-metadata address ("
                        + builtIn.get().text() + "), which sources may not use");
            }
        }
    }

    private static String describe(String name, InetAddress address) {
        if (address == null) {
            return "host " + name;
        }
        String literal = address.getHostAddress();
        return literal.equalsIgnoreCase(name) ? "address " + literal : "host " + name + " (" + literal + ")";
    }

    /* IPv4-mapped and IPv4-compatible IPv6 addresses are the IPv4 address they carry. */
    static InetAddress normalize(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0 && !v6.isLoopbackAddress()
                    && !v6.isAnyLocalAddress()))) {
                try {
                    return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }

    private static List<Rule> rules(String text, String key, List<String> problems) {
        List<Rule> rules = new ArrayList<>();
        for (String part : text.split(",")) {
            String rule = part.trim();
            if (rule.isEmpty()) {
                continue;
            }
            try {
                rules.add(Rule.parse(rule));
            } catch (IllegalArgumentException e) {
                problems.add(key + ": '" + rule + "' " + e.getMessage());
            }
        }
        return rules;
    }

    /** A host name was refused before any connection was attempted. */
    public static final class HostDeniedException extends Exception {
        HostDeniedException(String message) {
            super(message, null, false, false);
        }
    }

    record Rule(String text, byte[] network, int prefix, String name) {
        static Rule parse(String text) {
            String t = text.toLowerCase(Locale.ROOT);
            if (t.matches("[0-9.]+(/\\d+)?") || t.contains(":")) {
                String[] parts = t.split("/", 2);
                byte[] network = literal(parts[0]);
                int bits = network.length * 8;
                int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("has a prefix length outside 0-" + bits);
                }
                return new Rule(text, network, prefix, null);
            }
            if (!t.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                throw new IllegalArgumentException("is not a network, address, host name or *.suffix");
            }
            return new Rule(text, null, 0, t);
        }

        boolean matches(String host, InetAddress address) {
            if (name != null) {
                return name.startsWith("*.") ? host.endsWith(name.substring(1)) : host.equals(name);
            }
            if (address == null) {
                return false;
            }
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            return rest == 0 || ((a[full] ^ network[full]) & (0xff << (8 - rest))) == 0;
        }

        private static byte[] literal(String text) {
            if (!text.matches("[0-9a-f.:]+")) {
                throw new IllegalArgumentException("is not an IP address or network");
            }
            try {
                return normalize(InetAddress.getByName(text)).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("is not an IP address or network");
            }
        }
    }
}
