package io.philotes.core;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class JsonTextTest {
    @Test
    void serializedJsonParsesBackToTheSameValue() {
        JsonObject value = JsonText.object()
                .add("quote", "a\"b\\c/d")
                .add("control", "tab\tnew\nline\rbell\u0007nul\u0000")
                .add("unicode", "tëst 表 😀 \u2028")
                .add("number", 12.50)
                .add("big", 12345678901234567L)
                .add("flag", false)
                .addNull("nothing")
                .add("list", JsonText.array().add(1).add("x").add(JsonText.object()))
                .build();
        String text = new String(JsonText.serialize(value), StandardCharsets.UTF_8);
        assertThat(Json.createReader(new StringReader(text)).readObject(), is(value));
        assertThat(text.contains("\\u0007"), is(true));
        assertThat(text.contains("\\u2028"), is(true));
    }
}
