package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.anytls4j.api.metrics.Metrics;
import org.junit.jupiter.api.Test;

/** A plugin's meters land in the host's registry, with their tags and description, and leave it when removed. */
class MicrometerMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Metrics metrics = new MicrometerMetrics(registry);

    @Test
    void countersTimersAndGaugesAreTheRegistrysMeters() {
        Metrics.Counter misses = metrics.counter("anytls4j.test.misses", "Missed probes", "outbound", "hk");
        misses.increment();
        misses.increment(2);
        assertThat(registry.get("anytls4j.test.misses").tag("outbound", "hk").counter().count()).isEqualTo(3);
        assertThat(registry.get("anytls4j.test.misses").counter().getId().getDescription()).isEqualTo("Missed probes");
        assertThat(metrics.counter("anytls4j.test.misses", "Missed probes", "outbound", "hk").count()).isEqualTo(3);

        Metrics.Timer rtt = metrics.timer("anytls4j.test.rtt", "Round-trip time", "outbound", "hk");
        rtt.recordNanos(TimeUnit.MILLISECONDS.toNanos(42));
        assertThat(registry.get("anytls4j.test.rtt").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(42);
        assertThat(rtt.count()).isEqualTo(1);
        assertThat(rtt.totalNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(42));

        AtomicInteger deficit = new AtomicInteger(3);
        Metrics.Gauge gauge = metrics.gauge("anytls4j.test.deficit", "How far from the target", deficit::get,
                "outbound", "hk");
        deficit.set(5);
        assertThat(registry.get("anytls4j.test.deficit").gauge().value()).isEqualTo(5);
        assertThat(gauge.value()).isEqualTo(5);

        misses.remove();
        rtt.remove();
        gauge.remove();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void tagsArePairs() {
        assertThatThrownBy(() -> metrics.counter("anytls4j.test.x", "x", "outbound"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key/value pairs");
    }
}
