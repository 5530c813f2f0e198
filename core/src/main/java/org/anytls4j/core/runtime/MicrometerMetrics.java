package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.anytls4j.api.metrics.Metrics;

/**
 * The host's {@link Metrics}: a plugin's meters registered in the host's Micrometer registry, next to the host's own,
 * and published with them at {@code /metrics}.
 *
 * <h2>Threading</h2>
 * Thread-safe, as the registry.
 *
 * @param registry where the meters go
 */
public record MicrometerMetrics(MeterRegistry registry) implements Metrics {
    public MicrometerMetrics {
        requireNonNull(registry, "registry");
    }

    @Override
    public Counter counter(String name, String description, String... tags) {
        io.micrometer.core.instrument.Counter counter = io.micrometer.core.instrument.Counter.builder(name)
                .description(description).tags(pairs(tags)).register(registry);
        return new Counter() {
            @Override
            public void increment(double amount) {
                counter.increment(amount);
            }

            @Override
            public double count() {
                return counter.count();
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public void remove() {
                registry.remove(counter);
            }
        };
    }

    @Override
    public Timer timer(String name, String description, String... tags) {
        io.micrometer.core.instrument.Timer timer = io.micrometer.core.instrument.Timer.builder(name)
                .description(description).tags(pairs(tags)).register(registry);
        return new Timer() {
            @Override
            public void recordNanos(long nanos) {
                timer.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public long count() {
                return timer.count();
            }

            @Override
            public long totalNanos() {
                return (long) timer.totalTime(TimeUnit.NANOSECONDS);
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public void remove() {
                registry.remove(timer);
            }
        };
    }

    @Override
    public Gauge gauge(String name, String description, DoubleSupplier value, String... tags) {
        requireNonNull(value, "value");
        io.micrometer.core.instrument.Gauge gauge = io.micrometer.core.instrument.Gauge
                .builder(name, value, DoubleSupplier::getAsDouble).strongReference(true).description(description)
                .tags(pairs(tags)).register(registry);
        return new Gauge() {
            @Override
            public double value() {
                return gauge.value();
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public void remove() {
                registry.remove(gauge);
            }
        };
    }

    private static String[] pairs(String... tags) {
        if (tags.length % 2 != 0) {
            throw new IllegalArgumentException("tags must be key/value pairs, got " + tags.length + " strings");
        }
        return tags;
    }
}
