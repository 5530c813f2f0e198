package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static Config block(String hocon) {
        return ConfigFactory.parseString(hocon, ConfigParseOptions.defaults()
                .setOriginDescription("client.conf"));
    }

    /** The exception {@code call} throws, with its key and problem. */
    private static InvalidSettingException invalid(Runnable call) {
        try {
            call.run();
        } catch (InvalidSettingException e) {
            return e;
        }
        throw new AssertionError("no InvalidSettingException");
    }

    @Test
    void intInRangeAcceptsBothEnds() {
        Config c = block("low = 1, high = 65535");
        assertThat(Settings.intInRange(c, "low", 1, 65535)).isEqualTo(1);
        assertThat(Settings.intInRange(c, "high", 1, 65535)).isEqualTo(65535);
    }

    @Test
    void intInRangeNamesKeyLimitValueAndOrigin() {
        Config c = block("a = 1\nport = 0");
        InvalidSettingException e = invalid(() -> Settings.intInRange(c, "port", 1, 65535));
        assertThat(e.key()).isEqualTo("port");
        assertThat(e.problem()).isEqualTo("must be in 1..65535, was 0");
        assertThat(e.origin().description()).contains("client.conf");
        assertThat(e.origin().lineNumber()).isEqualTo(2);
        assertThat(invalid(() -> Settings.intInRange(block("port = 65536"), "port", 1, 65535)).problem())
                .isEqualTo("must be in 1..65535, was 65536");
    }

    @Test
    void intAtLeastNamesTheMinimum() {
        assertThat(Settings.intAtLeast(block("n = 0"), "n", 0)).isZero();
        assertThat(invalid(() -> Settings.intAtLeast(block("n = -1"), "n", 0)).problem())
                .isEqualTo("must be >= 0, was -1");
        assertThat(invalid(() -> Settings.intAtLeast(block("n = 0"), "n", 1)).problem())
                .isEqualTo("must be >= 1, was 0");
    }

    @Test
    void wrongTypeSaysWhatWasExpected() {
        assertThat(invalid(() -> Settings.intAtLeast(block("n = lots"), "n", 0)).problem())
                .isEqualTo("must be an integer");
        assertThat(invalid(() -> Settings.nonNegativeDuration(block("d = soon"), "d")).problem())
                .isEqualTo("must be a duration with a unit, e.g. 5s");
        assertThat(invalid(() -> Settings.positiveDuration(block("d = [1]"), "d")).problem())
                .isEqualTo("must be a duration with a unit, e.g. 5s");
    }

    @Test
    void nonNegativeDurationAcceptsZeroAndRefusesNegative() {
        assertThat(Settings.nonNegativeDuration(block("d = 0s"), "d")).isEqualTo(Duration.ZERO);
        assertThat(Settings.nonNegativeDuration(block("d = 90s"), "d")).isEqualTo(Duration.ofSeconds(90));
        InvalidSettingException e = invalid(() -> Settings.nonNegativeDuration(block("d = -90s"), "d"));
        assertThat(e.key()).isEqualTo("d");
        assertThat(e.problem()).isEqualTo("must be >= 0, was -1m30s");
    }

    @Test
    void positiveDurationRefusesZero() {
        assertThat(Settings.positiveDuration(block("d = 1ms"), "d")).isEqualTo(Duration.ofMillis(1));
        assertThat(invalid(() -> Settings.positiveDuration(block("d = 0s"), "d")).problem())
                .isEqualTo("must be > 0, was 0s");
        assertThat(invalid(() -> Settings.positiveDuration(block("d = -5s"), "d")).problem())
                .isEqualTo("must be > 0, was -5s");
    }

    @Test
    void aMissingOrNullKeyIsLeftToConfig() {
        assertThatThrownBy(() -> Settings.intAtLeast(block("other = 1"), "n", 0))
                .isInstanceOf(ConfigException.Missing.class);
        assertThatThrownBy(() -> Settings.nonNegativeDuration(block("d = null"), "d"))
                .isInstanceOf(ConfigException.Missing.class);
    }
}
