package org.anytls4j.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.anytls4j.api.GoDurations;
import org.junit.jupiter.api.Test;

/** The pool's log lines print durations as Go does (POOL.md 8.8), so operators can grep for the same text. */
class GoDurationsTest {
    @Test
    void formatsLikeGoTimeDurationString() {
        assertThat(GoDurations.format(0)).isEqualTo("0s");
        assertThat(GoDurations.format(750)).isEqualTo("750ns");
        assertThat(GoDurations.format(1_500)).isEqualTo("1.5µs");
        assertThat(GoDurations.format(12_500_000)).isEqualTo("12.5ms");
        assertThat(GoDurations.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(GoDurations.format(Duration.ofMinutes(5))).isEqualTo("5m0s");
        assertThat(GoDurations.format(Duration.ofMinutes(6))).isEqualTo("6m0s");
        assertThat(GoDurations.format(Duration.ofHours(1))).isEqualTo("1h0m0s");
        assertThat(GoDurations.exact(Duration.ofHours(1).plusMinutes(5).plusMillis(30_500))).isEqualTo("1h5m30.5s");
        assertThat(GoDurations.format(Duration.ofSeconds(-1))).isEqualTo("-1s");
        assertThat(GoDurations.exact(Duration.ofNanos(1_000_000_001))).isEqualTo("1.000000001s");
    }
}
