package io.philotes.support;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs {@link PhilotesTest}: starts the service the first time a test of the class asks for it (after the
 * class's static initializers) and stops it when the class is done (the class-level store closes it). A class that
 * asks for a {@link SourceServers.Server} gets the shared source server with logical replication, whose pipeline
 * slots are dropped once the class's service has stopped (the server has few, and test classes share it).
 */
final class PhilotesExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PhilotesExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == ApiClient.class || type == TestApp.class || type == SourceServers.Server.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        Running running = running(context);
        if (type == SourceServers.Server.class) {
            running.source = true;
            return SourceServers.logical();
        }
        return type == TestApp.class ? running.app : running.app.client();
    }

    private static Running running(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().orElseThrow();
        }
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(testClass, c -> new Running(start(testClass)), Running.class);
    }

    private static TestApp start(Class<?> testClass) {
        try {
            // The class's static fields first (a log capture, say), so they see the service start.
            Class.forName(testClass.getName(), true, testClass.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ParameterResolutionException("Cannot initialize " + testClass.getName(), e);
        }
        PhilotesTest test = testClass.getAnnotation(PhilotesTest.class);
        Map<String, String> config = new HashMap<>();
        for (String pair : test.config()) {
            int eq = pair.indexOf('=');
            if (eq < 1) {
                throw new ParameterResolutionException("@PhilotesTest config entries are key=value, not '" + pair + "'");
            }
            config.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return TestApp.start(config);
    }

    /* Closed by JUnit with the class's store: the service, then the slots its pipelines left on the source server. */
    private static final class Running implements ExtensionContext.Store.CloseableResource {
        private final TestApp app;
        private volatile boolean source;

        Running(TestApp app) {
            this.app = app;
        }

        @Override
        public void close() {
            app.close();
            if (source) {
                SourceServers.logical().dropPipelineSlots();
            }
        }
    }
}
