package io.philotes.http;

import io.philotes.support.ApiClient;
import io.philotes.support.PhilotesTest;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** Out of the box no browser origin may call the API: a page elsewhere cannot read it with a user's access. */
@PhilotesTest
class CorsDefaultTest {
    @Test
    void noOriginIsAllowedUnlessConfigured(ApiClient api) {
        ApiClient.Response r = api.get("/api/v1/sources", "Origin", "https://any.example");
        assertThat(r.status(), is(200));
        assertThat(r.header("Access-Control-Allow-Origin").isPresent(), is(false));
        ApiClient.Response preflight = api.send("OPTIONS", "/api/v1/sources", null, "Origin", "https://any.example",
                                                "Access-Control-Request-Method", "POST");
        assertThat(preflight.status(), is(403));
        assertThat(preflight.problemSlug(), is("forbidden"));
    }
}
