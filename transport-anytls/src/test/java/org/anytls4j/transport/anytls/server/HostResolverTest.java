package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.AbstractChannel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;
import org.anytls4j.core.inbound.TestNetty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The resolver under descriptor exhaustion: a DNS socket that cannot be created must fail that one lookup, not
 * leave a broken resolver cached for the event loop (every later lookup failing) whose close at shutdown logs
 * Netty's "Failed to close a resolver" with an IllegalStateException (the channel never got an event loop).
 */
@Timeout(30)
class HostResolverTest {
    private static final TestNetty NETTY = new TestNetty();

    @AfterAll
    static void closeNetty() {
        NETTY.close();
    }

    /**
     * A datagram channel class that cannot be instantiated: Netty's channel factory fails with the same
     * "Unable to create Channel from class ..." as when the process is out of descriptors (EMFILE).
     */
    public abstract static class ExhaustedDatagramChannel extends AbstractChannel implements DatagramChannel {
        public ExhaustedDatagramChannel() {
            super(null);
        }

        @Override
        public abstract InetSocketAddress localAddress();

        @Override
        public abstract InetSocketAddress remoteAddress();

        @Override
        public abstract io.netty.channel.socket.DatagramChannelConfig config();
    }

    @Test
    void aLookupThatCannotOpenItsSocketFailsAloneAndCloseIsQuiet() throws Exception {
        ListAppender<ILoggingEvent> netty = capture("io.netty.resolver.AddressResolverGroup");
        HostResolver resolver = new HostResolver(exhausted());
        EventLoop loop = NETTY.workerGroup().next();

        Future<InetSocketAddress> first = resolver.resolve(new Destination("name.invalid", 53), loop)
                .awaitUninterruptibly();
        Future<InetSocketAddress> second = resolver.resolve(new Destination("other.invalid", 53), loop)
                .awaitUninterruptibly();
        resolver.close();

        assertThat(first.cause()).hasStackTraceContaining("Unable to create Channel");
        assertThat(second.cause()).hasStackTraceContaining("Unable to create Channel");
        assertThat(netty.list).as("Netty's resolver-close warning").isEmpty();
        detach("io.netty.resolver.AddressResolverGroup", netty);
    }

    @Test
    void literalsNeedNoSocket() throws Exception {
        HostResolver resolver = new HostResolver(exhausted());
        EventLoop loop = NETTY.workerGroup().next();

        InetSocketAddress address = resolver.resolve(new Destination("127.0.0.1", 80), loop).get(5, TimeUnit.SECONDS);
        resolver.close();

        assertThat(address).isEqualTo(new InetSocketAddress("127.0.0.1", 80));
    }

    private static NettyResources exhausted() {
        return new NettyResources() {
            @Override
            public EventLoopGroup bossGroup() {
                return NETTY.bossGroup();
            }

            @Override
            public EventLoopGroup workerGroup() {
                return NETTY.workerGroup();
            }

            @Override
            public Class<? extends SocketChannel> socketChannelClass() {
                return NETTY.socketChannelClass();
            }

            @Override
            public Class<? extends ServerSocketChannel> serverSocketChannelClass() {
                return NETTY.serverSocketChannelClass();
            }

            @Override
            public Class<? extends DatagramChannel> datagramChannelClass() {
                return ExhaustedDatagramChannel.class;
            }
        };
    }

    private static ListAppender<ILoggingEvent> capture(String logger) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(logger)).addAppender(appender);
        return appender;
    }

    private static void detach(String logger, ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(logger)).detachAppender(appender);
    }
}
