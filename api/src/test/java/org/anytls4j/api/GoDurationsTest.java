package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationsTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "30s, 30000000000",
        "1m30s, 90000000000",
        "5m0s, 300000000000",
        "1h5m30.5s, 3930500000000",
        "1.5h, 5400000000000",
        "300ms, 300000000",
        "-1.5h, -5400000000000",
        "+2h45m, 9900000000000",
        "1.5µs, 1500",
        "1us, 1000",
        "750ns, 750",
        ".5s, 500000000",
        "1.s, 1000000000",
    })
    void parsesWhatGoParses(String text, long nanos) {
        assertThat(GoDurations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "1m30", "s", "1x", "1..5s", ".s", "-", "1d", "99999999999999h"})
    void refusesWhatGoRefuses(String text) {
        assertThatThrownBy(() -> GoDurations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid duration");
    }

    @Test
    void exactAndParseRoundTrip() {
        for (long nanos : new long[] {1, 999, 1_500, 12_500_000, 90_000_000_000L, 3_930_500_000_000L,
            329_712_345_678L, 1_000_000_001L}) {
            assertThat(GoDurations.parse(GoDurations.exact(nanos))).isEqualTo(Duration.ofNanos(nanos));
        }
    }

    @Test
    void formatRoundsForHumans() {
        assertThat(GoDurations.format(329_712_345_678L)).isEqualTo("5m29.7s");
        assertThat(GoDurations.format(3_930_500_000_000L)).isEqualTo("1h5m31s");
        assertThat(GoDurations.format(2_345_678_901L)).isEqualTo("2.346s");
        assertThat(GoDurations.format(12_345_678L)).isEqualTo("12.346ms");
        assertThat(GoDurations.format(59_999_999_999L)).isEqualTo("1m0s");
        assertThat(GoDurations.format(1_500)).isEqualTo("1.5µs");
        assertThat(GoDurations.format(-329_712_345_678L)).isEqualTo("-5m29.7s");
        assertThat(GoDurations.format(Duration.ofSeconds(30))).isEqualTo("30s");
    }

    @Test
    void missingUnitIsNamed() {
        assertThatThrownBy(() -> GoDurations.parse("30")).hasMessageContaining("missing unit after 30");
    }
}
