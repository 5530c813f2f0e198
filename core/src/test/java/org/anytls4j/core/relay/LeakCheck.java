package org.anytls4j.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns a leaked {@code ByteBuf} (or any other resource Netty tracks) into a test failure.
 *
 * <p>It installs, through Netty's public {@link ResourceLeakDetectorFactory#setResourceLeakDetectorFactory}, a
 * factory whose detectors record every leak they report; after each test class it collects garbage a few times,
 * makes a tracked allocation so that the detector polls its queue, and fails if anything was reported. The build runs
 * the detector at {@code paranoid}, so every buffer is tracked.
 *
 * <p>Registered for every test class of every module that enables JUnit's extension auto-detection in its
 * {@code junit-platform.properties} ({@code META-INF/services} in core's test-jar names it), and usable explicitly
 * with {@code @ExtendWith(LeakCheck.class)}. The factory must be in place before the first buffer class is
 * initialised: the auto-detected instance is created when the test engine starts, before any test class runs.
 * A leak is reported by the class in which the garbage collector found it, which may follow the one that leaked;
 * the records name the allocation site.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 5 && LEAKS.isEmpty(); i++) {
            System.gc();
            // a tracked allocation makes the detector poll its queue of collected, unreleased buffers
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
        }
        List<String> found = new ArrayList<>(LEAKS);
        LEAKS.clear();
        assertThat(found).as("resource leaks reported by Netty's leak detector after "
                + (context == null ? "this check" : context.getDisplayName())).isEmpty();
    }

    /** Netty's detectors, each recording what it reports. */
    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new ResourceLeakDetector<>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add(resourceType + " leaked:" + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add(resourceType + " leaked (no records)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
