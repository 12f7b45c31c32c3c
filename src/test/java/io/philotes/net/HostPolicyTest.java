package io.philotes.net;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HostPolicyTest {
    private static HostPolicy policy(String allow, String deny) {
        List<String> problems = new ArrayList<>();
        HostPolicy p = HostPolicy.parse(allow, deny, problems);
        assertThat(problems, is(empty()));
        return p;
    }

    @Test
    void defaultsDenyLinkLocalAndMetadataInEveryForm() {
        HostPolicy p = policy("", "");
        for (String host : List.of("169.254.169.254", "169.254.0.1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "fe80::1",
                                   "100.100.100.200", "fd00:ec2::254", "metadata.philotes.test")) {
            assertThrows(HostPolicy.HostDeniedException.class, () -> p.check(host), host);
        }
    }

    @Test
    void loopbackIsAllowedByDefaultAndTheCheckedAddressIsReturned() throws Exception {
        assertThat(policy("", "").check("127.0.0.1").getHostAddress(), is("127.0.0.1"));
        assertThat(policy("", "").check("loopback.philotes.test").getHostAddress(), is("127.0.0.1"));
    }

    @Test
    void denyWinsThenAllowThenDefaults() throws Exception {
        HostPolicy allowOnly = policy("10.0.0.0/8, *.corp.example", "");
        assertThrows(HostPolicy.HostDeniedException.class, () -> allowOnly.check("127.0.0.1"));
        HostPolicy.HostDeniedException e = assertThrows(HostPolicy.HostDeniedException.class, () -> policy("", "127.0.0.0/8").check("127.0.0.1"));
        assertThat(e.getMessage(), containsString("rule 127.0.0.0/8"));
        assertThat(policy("169.254.0.0/16", "").check("169.254.1.1").getHostAddress(), is("169.254.1.1"));
        assertThrows(HostPolicy.HostDeniedException.class, () -> policy("127.0.0.0/8", "loopback.philotes.test").check("loopback.philotes.test"));
    }

    @Test
    void malformedRulesAreReported() {
        List<String> problems = new ArrayList<>();
        HostPolicy.parse("10.0.0.0/33,not a host", "fe80::/200", problems);
        assertThat(problems, hasSize(3));
    }
}
