package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The one host:port parser: the command line's flags and HTTP authorities. */
class HostPortTest {
    @Test
    void readsHostAndPortAsTheReferenceFlagsWriteThem() {
        assertThat(HostPort.parse("-l", "0.0.0.0:8443", -1)).isEqualTo(new HostPort("0.0.0.0", 8443));
        assertThat(HostPort.parse("-l", ":8443", -1)).isEqualTo(new HostPort("", 8443));
        assertThat(HostPort.parse("-s", "[2001:db8::1]:443", -1)).isEqualTo(new HostPort("2001:db8::1", 443));
        assertThat(HostPort.parse("-s", "[2001:db8::1]:443", -1).toString()).isEqualTo("[2001:db8::1]:443");
        assertThat(HostPort.parse("-s", "[2001:db8::1]:443", -1).isIpLiteral()).isTrue();
        assertThat(HostPort.parse("-s", "proxy.example.net:443", -1).isIpLiteral()).isFalse();
    }

    @Test
    void aMissingPortIsTheDefaultOrAnErrorNamingTheValue() {
        assertThat(HostPort.parse(null, "example.com", 80)).isEqualTo(new HostPort("example.com", 80));
        assertThat(HostPort.parse(null, "example.com:", 80)).isEqualTo(new HostPort("example.com", 80));
        assertThat(HostPort.parse(null, "[::1]", 80).toDestination()).isEqualTo(new Destination("::1", 80));
        assertThatThrownBy(() -> HostPort.parse("-s", "proxy.example.net", -1))
                .hasMessage("-s must be HOST:PORT, was 'proxy.example.net'");
        assertThatThrownBy(() -> HostPort.parse("-s", "host:", -1)).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> HostPort.parse(null, "[::1]", -1)).hasMessage("must be HOST:PORT, was '[::1]'");
    }

    @Test
    void bracketsAndPortRangeErrorsSayWhatIsWrong() {
        assertThatThrownBy(() -> HostPort.parse("-s", "2001:db8::1:443", -1))
                .hasMessage("-s: write an IPv6 address in brackets, as [2001:db8::1]:443");
        assertThatThrownBy(() -> HostPort.parse(null, "[::1", 80)).hasMessage("unclosed '[' in '[::1'");
        assertThatThrownBy(() -> HostPort.parse(null, "[::1]x", 80)).hasMessage("junk after ']' in '[::1]x'");
        assertThatThrownBy(() -> HostPort.parse("-l", "127.0.0.1:99999", -1))
                .hasMessage("-l: the port must be 0..65535, was '99999'");
        assertThatThrownBy(() -> HostPort.parse(null, "h:+80", 80)).hasMessage("the port must be 0..65535, was '+80'");
        assertThatThrownBy(() -> HostPort.parse(null, "h:-1", 80)).hasMessageContaining("was '-1'");
        assertThatThrownBy(() -> HostPort.parse(null, "h:0000080", 80)).hasMessageContaining("0..65535");
        assertThat(HostPort.parse(null, "h:65535", -1).port()).isEqualTo(65535);
        assertThat(HostPort.parse(null, "h:0", -1).port()).isZero();
    }

    @Test
    void anEmptyHostIsAValueButNotADestination() {
        assertThat(HostPort.parse(null, ":80", -1).host()).isEmpty();
        assertThatThrownBy(() -> HostPort.parse(null, ":80", -1).toDestination())
                .hasMessageContaining("host must not be empty");
    }
}
