package io.philotes.net;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

class TrustedProxiesTest {
    private final TrustedProxies proxies = proxies("10.0.0.0/8, 192.0.2.1");

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        assertThat(TrustedProxies.none().client("198.51.100.4", () -> List.of("203.0.113.9")), is("198.51.100.4"));
        assertThat(proxies.client("198.51.100.4", () -> List.of("203.0.113.9")), is("198.51.100.4"));
    }

    @Test
    void theClientIsTheRightMostAddressNoTrustedProxyAdded() {
        assertThat(proxies.client("192.0.2.1", () -> List.of("203.0.113.9")), is("203.0.113.9"));
        assertThat(proxies.client("10.0.0.1", () -> List.of("203.0.113.9, 10.0.0.2")), is("203.0.113.9"));
        // A client that sends the header itself cannot pick its address: the proxy appends the one it saw.
        assertThat(proxies.client("10.0.0.1", () -> List.of("1.2.3.4, 203.0.113.9")), is("203.0.113.9"));
        assertThat(proxies.client("10.0.0.1", () -> List.of("1.2.3.4", "203.0.113.9")), is("203.0.113.9"));
        assertThat(proxies.client("10.0.0.1", () -> List.of()), is("10.0.0.1"));
        assertThat(proxies.client("10.0.0.1", () -> List.of("10.0.0.3, 10.0.0.2")), is("10.0.0.3"));
    }

    @Test
    void addressesWithPortsOrBracketsAreTheirAddress() {
        // The address alone, so that a client's changing source port does not give it a new bucket.
        assertThat(proxies.client("10.0.0.1", () -> List.of("203.0.113.5:41234")), is("203.0.113.5"));
        assertThat(proxies.client("10.0.0.1", () -> List.of("[2001:db8::1]:443")), is("2001:db8:0:0:0:0:0:1"));
        assertThat(proxies.client("10.0.0.1", () -> List.of("203.0.113.5, 10.0.0.2:8080")), is("203.0.113.5"));
        // Hex letters and dots are a name, not an address: no look-up, and the walk ends there.
        assertThat(proxies.client("10.0.0.1", () -> List.of("dead.beef")), is("10.0.0.1"));
    }

    @Test
    void whatIsNotAnAddressEndsTheWalk() {
        assertThat(proxies.client("10.0.0.1", () -> List.of("203.0.113.9, evil.example, 10.0.0.2")), is("10.0.0.2"));
        assertThat(proxies.client("10.0.0.1", () -> List.of("unknown")), is("10.0.0.1"));
    }

    @Test
    void namesAreRefusedAsProxies() {
        List<String> problems = new ArrayList<>();
        TrustedProxies.parse("proxy.internal, 10.0.0.0/33", "http.trusted.proxies", problems);
        assertThat(problems.size(), is(2));
        assertThat(problems.get(0), containsString("'proxy.internal' is not an address or network"));
        assertThat(problems.get(1), containsString("'10.0.0.0/33'"));
    }

    private static TrustedProxies proxies(String text) {
        List<String> problems = new ArrayList<>();
        TrustedProxies parsed = TrustedProxies.parse(text, "http.trusted.proxies", problems);
        assertThat(problems, is(empty()));
        return parsed;
    }
}
