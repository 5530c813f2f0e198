package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.tls.ClientTlsSettings;
import org.junit.jupiter.api.Test;

/** The outbound keys of {@code anytls-client.conf}: defaults, sing-box JSON, and errors naming the key. */
class ClientSettingsTest {
    private static ClientSettings parse(String hocon) {
        return ClientSettings.parse(TestContext.outboundBlock(hocon));
    }

    @Test
    void defaultsApply() {
        ClientSettings settings = parse("server = \"hk.example.net\", password = s3cret-pw");

        assertThat(settings.port()).isEqualTo(443);
        assertThat(settings.clientMetadata()).isEqualTo(ClientSettings.DEFAULT_CLIENT_METADATA).startsWith("anytls4j/");
        assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.streamReceiveBytes()).isEqualTo(64 * 1024);
        assertThat(settings.sessionReceiveBytes()).isEqualTo(1024 * 1024);
        assertThat(settings.streamOpenTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(parse("server = h, password = x, stream_open_timeout = 500ms").streamOpenTimeout())
                .isEqualTo(Duration.ofMillis(500));
        assertThat(settings.passwordHash()).isEqualTo(ClientFrames.passwordHash("s3cret-pw"));
        ClientTlsSettings tls = settings.tls();
        assertThat(tls.serverName()).isEqualTo("hk.example.net");
        assertThat(tls.sendsSni()).isTrue();
        assertThat(tls.insecure()).isFalse();
        assertThat(tls.alpn()).isEmpty();
        assertThat(tls.protocols()).isEmpty();
        assertThat(tls.pinnedKeys()).isEmpty();
    }

    @Test
    void aSingBoxJsonBlockLoadsUnchanged() {
        ClientSettings settings = parse("""
                {"type": "anytls", "tag": "anytls-out", "server": "127.0.0.1", "server_port": 1443,
                 "password": "8JCsPssfgS8tiRwiMlhARg==", "client_metadata": "",
                 "tls": {"enabled": true, "server_name": "example.org", "alpn": "h2",
                         "min_version": "1.2", "max_version": "1.3"}}
                """);

        assertThat(settings.port()).isEqualTo(1443);
        assertThat(settings.clientMetadata()).isEmpty();
        assertThat(settings.tls().serverName()).isEqualTo("example.org");
        assertThat(settings.tls().alpn()).containsExactly("h2");
        assertThat(settings.tls().protocols()).containsExactly("TLSv1.2", "TLSv1.3");
    }

    @Test
    void anIpServerSendsNoSniAndBracketsAreAccepted() {
        ClientSettings settings = parse("server = \"[2001:db8::1]\", password = x, tls.insecure = true");

        assertThat(settings.server()).isEqualTo("2001:db8::1");
        assertThat(settings.tls().sendsSni()).isFalse();
        assertThat(parse("server = \"10.0.0.1\", password = x, tls.insecure = true").tls().sendsSni()).isFalse();
    }

    @Test
    void badValuesNameTheirKey() {
        for (List<String> bad : List.of(
                List.of("password = x", "server"),
                List.of("server = h", "password"),
                List.of("server = h, password = x, server_port = 0", "server_port"),
                List.of("server = h, password = x, server_port = 65536", "server_port"),
                List.of("server = h, password = x, connect_timeout = 0s", "connect_timeout"),
                List.of("server = h, password = x, connect_timeout = soon", "connect_timeout"),
                List.of("server = h, password = x, stream_receive_buffer = 10", "stream_receive_buffer"),
                List.of("server = h, password = x, session_receive_buffer = 32KiB", "session_receive_buffer"),
                List.of("server = h, password = x, stream_open_timeout = 0s", "stream_open_timeout"),
                List.of("server = h, password = x, stream_open_timeout = 6m", "stream_open_timeout"),
                List.of("server = h, password = x, client_metadata = \"a\\nb\"", "client_metadata"))) {
            assertThatThrownBy(() -> parse(bad.get(0)))
                    .as(bad.get(0))
                    .isInstanceOf(InvalidSettingException.class)
                    .satisfies(e -> assertThat(((InvalidSettingException) e).key()).isEqualTo(bad.get(1)));
        }
    }
}
