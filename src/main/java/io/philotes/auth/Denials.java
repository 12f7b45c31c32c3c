package io.philotes.auth;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counts the requests access control turned away, by reason, for {@code philotes_auth_failures_total}. */
public final class Denials {
    private final Map<Denial.Reason, LongAdder> counts = new EnumMap<>(Denial.Reason.class);

    public Denials() {
        for (Denial.Reason reason : Denial.Reason.values()) {
            counts.put(reason, new LongAdder());
        }
    }

    /**
     * Counts one and hands back its problem.
     *
     * @param denial the denial
     * @return its problem, to throw
     */
    public RuntimeException count(Denial denial) {
        counts.get(denial.reason()).increment();
        return denial.problem();
    }

    /**
     * How many so far.
     *
     * @param reason the reason
     * @return the count since start
     */
    public long total(Denial.Reason reason) {
        return counts.get(reason).sum();
    }
}
