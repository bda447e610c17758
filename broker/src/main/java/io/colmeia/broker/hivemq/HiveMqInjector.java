package io.colmeia.broker.hivemq;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.lang.reflect.Method;

/**
 * HiveMQ's own singletons, from the Guice injector {@code EmbeddedHiveMQ} keeps package-private (we run HiveMQ
 * embedded, in our JVM). Pinned to hivemq-community-edition-embedded 2025.5; callers fall back when this fails.
 */
public final class HiveMqInjector {

    private HiveMqInjector() {
    }

    /** HiveMQ's instance of {@code type}; fails with the reason when this HiveMQ has none or is not started. */
    public static <T> T instance(EmbeddedHiveMQ hivemq, Class<T> type) throws ReflectiveOperationException {
        Method getInjector = hivemq.getClass().getDeclaredMethod("getInjector");
        getInjector.setAccessible(true);
        Object injector = getInjector.invoke(hivemq);
        if (injector == null) {
            throw new IllegalStateException("HiveMQ has no injector yet (not started)");
        }
        // Guice is on HiveMQ's runtime path only: reached by name, through its public interface
        Class<?> injectorType = Class.forName("com.google.inject.Injector", false, hivemq.getClass().getClassLoader());
        Object instance = injectorType.getMethod("getInstance", Class.class).invoke(injector, type);
        if (!type.isInstance(instance)) {
            throw new IllegalStateException("HiveMQ's injector has no " + type.getName());
        }
        return type.cast(instance);
    }
}
