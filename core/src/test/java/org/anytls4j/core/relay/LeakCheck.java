package org.anytls4j.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns a leaked {@code ByteBuf} into a test failure: listens to the leak detector of every {@code ByteBuf} (the
 * build runs it at paranoid) and, after the test class, collects garbage a few times and fails if a leak was
 * reported. Use with {@code @ExtendWith(LeakCheck.class)}.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        install();
        LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 5; i++) {
            System.gc();
            // a tracked allocation makes the detector poll its queue of collected, unreleased buffers
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
        }
        assertThat(LEAKS).as("ByteBuf leaks reported by Netty's leak detector").isEmpty();
    }

    private static synchronized void install() throws ReflectiveOperationException {
        if (installed) {
            return;
        }
        Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
        field.setAccessible(true);
        @SuppressWarnings("unchecked")
        ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) field.get(null);
        detector.setLeakListener((type, records) -> LEAKS.add(type + ": " + records));
        installed = true;
    }
}
