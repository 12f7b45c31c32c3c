package io.philotes.config;

import java.util.List;

/** Every configuration problem found at once, each naming its key. */
public final class InvalidConfigException extends RuntimeException {
    private final List<String> problems;

    InvalidConfigException(List<String> problems) {
        super("Invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
