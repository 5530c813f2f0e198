package org.anytls4j.testkit;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.anytls4j.api.metrics.Metrics;

/**
 * {@link Metrics} kept in memory, for tests to read back what a policy or monitor published:
 * {@code context.metrics().findCounter("anytls4j.heartbeat.misses", "outbound", "hk")}. A removed meter is no
 * longer found. Same rules as the host's: key/value tags, one meter per name and tags.
 *
 * <h2>Threading</h2>
 * Thread-safe.
 */
public final class FakeMetrics implements Metrics {
    private final Map<Key, Meter> meters = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String description, String... tags) {
        return register(Counter.class, new Key(name, tags(tags)), description, FakeCounter::new);
    }

    @Override
    public Timer timer(String name, String description, String... tags) {
        return register(Timer.class, new Key(name, tags(tags)), description, FakeTimer::new);
    }

    @Override
    public Gauge gauge(String name, String description, DoubleSupplier value, String... tags) {
        requireNonNull(value, "value");
        return register(Gauge.class, new Key(name, tags(tags)), description, key -> new FakeGauge(key, value));
    }

    /** The counter with this name whose tags include {@code tags} (key/value pairs), if one is published. */
    public Optional<Counter> findCounter(String name, String... tags) {
        return find(name, tags).filter(Counter.class::isInstance).map(Counter.class::cast);
    }

    /** The timer with this name whose tags include {@code tags}, if one is published. */
    public Optional<Timer> findTimer(String name, String... tags) {
        return find(name, tags).filter(Timer.class::isInstance).map(Timer.class::cast);
    }

    /** The gauge with this name whose tags include {@code tags}, if one is published. */
    public Optional<Gauge> findGauge(String name, String... tags) {
        return find(name, tags).filter(Gauge.class::isInstance).map(Gauge.class::cast);
    }

    private Optional<Meter> find(String name, String... tags) {
        Map<String, String> wanted = tags(tags);
        return meters.entrySet().stream()
                .filter(e -> e.getKey().name.equals(name) && e.getKey().tags.entrySet().containsAll(wanted.entrySet()))
                .map(Map.Entry::getValue).findFirst();
    }

    private <M extends Meter> M register(Class<M> kind, Key key, String description, Function<Key, Meter> maker) {
        requireNonNull(description, "description");
        Meter meter = meters.computeIfAbsent(key, maker);
        if (!kind.isInstance(meter)) {
            throw new IllegalArgumentException(key.name + " " + key.tags + " is already published as another kind");
        }
        return kind.cast(meter);
    }

    private static Map<String, String> tags(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("tags must be key/value pairs, got " + keyValues.length + " strings");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            tags.put(requireNonNull(keyValues[i], "tag key"), requireNonNull(keyValues[i + 1], "tag value"));
        }
        return Map.copyOf(tags);
    }

    private record Key(String name, Map<String, String> tags) {
        Key {
            requireNonNull(name, "name");
        }
    }

    private abstract class FakeMeter implements Meter {
        final Key key;

        FakeMeter(Key key) {
            this.key = key;
        }

        @Override
        public String name() {
            return key.name;
        }

        @Override
        public void remove() {
            meters.remove(key, this);
        }
    }

    private final class FakeCounter extends FakeMeter implements Counter {
        private final DoubleAdder count = new DoubleAdder();

        FakeCounter(Key key) {
            super(key);
        }

        @Override
        public void increment(double amount) {
            if (amount < 0) {
                throw new IllegalArgumentException("a counter only goes up, was " + amount);
            }
            count.add(amount);
        }

        @Override
        public double count() {
            return count.sum();
        }
    }

    private final class FakeTimer extends FakeMeter implements Timer {
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong totalNanos = new AtomicLong();

        FakeTimer(Key key) {
            super(key);
        }

        @Override
        public void recordNanos(long nanos) {
            if (nanos < 0) {
                throw new IllegalArgumentException("a duration is >= 0, was " + nanos);
            }
            count.incrementAndGet();
            totalNanos.addAndGet(nanos);
        }

        @Override
        public long count() {
            return count.get();
        }

        @Override
        public long totalNanos() {
            return totalNanos.get();
        }
    }

    private final class FakeGauge extends FakeMeter implements Gauge {
        private final DoubleSupplier value;

        FakeGauge(Key key, DoubleSupplier value) {
            super(key);
            this.value = value;
        }

        @Override
        public double value() {
            return value.getAsDouble();
        }
    }
}
