package org.anytls4j.transport.anytls.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.anytls4j.api.InvalidSettingException;
import org.junit.jupiter.api.Test;

class TlsVersionsTest {

    private static List<String> protocols(String hocon) {
        return TlsVersions.protocols(ConfigFactory.parseString(hocon), "tls.");
    }

    @Test
    void noBoundLeavesTheEngineDefault() {
        assertThat(protocols("min_version = null, max_version = null")).isEmpty();
        assertThat(protocols("")).isEmpty();
        assertThat(protocols("min_version = \"\", max_version = \"\"")).isEmpty();
    }

    @Test
    void oneBoundTakesTheDefaultForTheOther() {
        assertThat(protocols("min_version = \"1.3\"")).containsExactly("TLSv1.3");
        assertThat(protocols("max_version = \"1.2\"")).containsExactly("TLSv1.2");
        assertThat(protocols("min_version = \"1.0\"")).containsExactly("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    }

    @Test
    void unknownVersionNamesItsKeyAndTheChoices() {
        assertThatThrownBy(() -> protocols("max_version = \"1.4\""))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("tls.max_version")
                .hasMessageContaining("[1.0, 1.1, 1.2, 1.3]")
                .hasMessageContaining("'1.4'");
    }

    @Test
    void maxBelowTheDefaultMinimumSaysWhichMinimum() {
        assertThatThrownBy(() -> protocols("max_version = \"1.1\""))
                .isInstanceOf(InvalidSettingException.class)
                .satisfies(e -> assertThat(((InvalidSettingException) e).key()).isEqualTo("tls.max_version"))
                .hasMessageContaining("must not be below min_version 1.2 (the default), was 1.1");
    }
}
