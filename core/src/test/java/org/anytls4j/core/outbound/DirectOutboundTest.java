package org.anytls4j.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DirectOutboundTest {
    private final TestNetty netty = new TestNetty();

    private static Config settings(String overrides) {
        return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseResources(
                "anytls4j-inbounds.conf").getConfig("anytls4j.outbound.direct"));
    }

    @AfterEach
    void stop() {
        netty.close();
    }

    @Test
    void defaultConnectTimeoutIsFiveSeconds() {
        try (DirectOutbound direct = new DirectOutbound("direct", settings(""), netty)) {
            assertThat(direct.connectTimeoutMillis()).isEqualTo(5000);
        }
    }

    @Test
    void zeroConnectTimeoutIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> new DirectOutbound("direct", settings("connect_timeout = 0s"), netty))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("connect_timeout: must be between 1ms and 10m, was PT0S");
    }

    @Test
    void opensAStreamOnTheCallersEventLoopWithAutoReadOffResolvingLocalhost() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                DirectOutbound direct = new DirectOutbound("direct", settings(""), netty)) {
            EventLoop loop = netty.workerGroup().next();
            Channel stream = direct.open(new Destination("localhost", server.getLocalPort()), loop)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            try {
                assertThat(stream.eventLoop()).isSameAs(loop);
                assertThat(stream.isActive()).isTrue();
                assertThat(stream.config().isAutoRead()).isFalse();
                assertThat(((InetSocketAddress) stream.remoteAddress()).getPort()).isEqualTo(server.getLocalPort());
            } finally {
                stream.close().syncUninterruptibly();
            }
        }
    }

    @Test
    void aClosedPortFailsWithConnectionRefused() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        try (DirectOutbound direct = new DirectOutbound("direct", settings(""), netty)) {
            assertThatThrownBy(() -> direct.open(new Destination("127.0.0.1", closed), netty.workerGroup().next())
                    .toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ConnectException.class)
                    .hasMessageContaining("Connection refused");
        }
    }

    @Test
    void aNameLookupThatCannotOpenItsSocketFailsThatStreamOnlyAndCloseIsQuiet() {
        ch.qos.logback.classic.Logger group = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "io.netty.resolver.AddressResolverGroup");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings =
                new ch.qos.logback.core.read.ListAppender<>();
        warnings.start();
        group.addAppender(warnings);
        try {
            DirectOutbound direct = new DirectOutbound("direct", settings(""),
                    new org.anytls4j.core.runtime.ExhaustedDatagramNetty(netty));
            EventLoop loop = netty.workerGroup().next();

            assertThatThrownBy(() -> direct.open(new Destination("name.invalid", 80), loop).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).hasStackTraceContaining("Unable to create Channel");
            direct.close();

            assertThat(warnings.list).as("Netty's 'Failed to close a resolver'").isEmpty();
        } finally {
            group.detachAppender(warnings);
        }
    }
}
