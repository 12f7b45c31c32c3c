package io.philotes.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs against the real service: one Philotes per class, started on a fresh database of
 * the test PostgreSQL before the first test and stopped after the last. Its {@link ApiClient} (or the
 * {@link TestApp} itself) is injected into a constructor, a {@code @BeforeAll} method or a test method.
 * In the spirit of Helidon's {@code @ServerTest}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PhilotesExtension.class)
public @interface PhilotesTest {
    /**
     * Configuration keys to change for this class, as {@code key=value}.
     *
     * @return the overrides
     */
    String[] config() default {};
}
