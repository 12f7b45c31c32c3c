package io.philotes.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The words of an enum as JSON and the metadata database spell them: each constant's name in lower case.
 *
 * @param <E> the enum
 */
public final class Words<E extends Enum<E>> {
    private final Map<String, E> byWord = new LinkedHashMap<>();
    private final String what;

    /**
     * The words of an enum.
     *
     * @param type the enum
     * @param what what its constants are, for messages ("pipeline status")
     */
    public Words(Class<E> type, String what) {
        for (E constant : type.getEnumConstants()) {
            byWord.put(constant.name().toLowerCase(Locale.ROOT), constant);
        }
        this.what = what;
    }

    /**
     * A constant from its word.
     *
     * @param word the word, e.g. {@code running}
     * @return the constant, empty for any other text
     */
    public Optional<E> parse(String word) {
        return Optional.ofNullable(word == null ? null : byWord.get(word));
    }

    /**
     * A constant as stored.
     *
     * @param word the stored word
     * @return the constant
     * @throws IllegalStateException for a word this build does not know
     */
    public E stored(String word) {
        return parse(word).orElseThrow(() -> new IllegalStateException("Unknown " + what + " '" + word + "' in the metadata database"));
    }

    /**
     * Every word, for messages.
     *
     * @return e.g. "stopped, starting, running, stopping, error"
     */
    public String list() {
        return String.join(", ", byWord.keySet());
    }
}
