package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.core.runtime.ExhaustedDatagramNetty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The resolver under descriptor exhaustion: a DNS socket that cannot be created must fail that one lookup, not
 * leave a broken resolver cached for the event loop whose close at shutdown logs Netty's "Failed to close a
 * resolver" with an IllegalStateException (the channel never got an event loop).
 */
@Timeout(30)
class HostResolverTest {
    private static final TestNetty NETTY = new TestNetty();
    private static final String GROUP_LOGGER = "io.netty.resolver.AddressResolverGroup";

    @AfterAll
    static void closeNetty() {
        NETTY.close();
    }

    @Test
    void aLookupThatCannotOpenItsSocketFailsAloneAndCloseIsQuiet() {
        ListAppender<ILoggingEvent> netty = new ListAppender<>();
        netty.start();
        ((Logger) LoggerFactory.getLogger(GROUP_LOGGER)).addAppender(netty);
        try {
            HostResolver resolver = new HostResolver(new ExhaustedDatagramNetty(NETTY));
            EventLoop loop = NETTY.workerGroup().next();

            Future<InetSocketAddress> first = resolver.resolve(new Destination("name.invalid", 53), loop)
                    .awaitUninterruptibly();
            Future<InetSocketAddress> second = resolver.resolve(new Destination("other.invalid", 53), loop)
                    .awaitUninterruptibly();
            resolver.close();

            assertThat(first.cause()).hasStackTraceContaining("Unable to create Channel");
            assertThat(second.cause()).hasStackTraceContaining("Unable to create Channel");
            assertThat(netty.list).as("Netty's resolver-close warning").isEmpty();
        } finally {
            ((Logger) LoggerFactory.getLogger(GROUP_LOGGER)).detachAppender(netty);
        }
    }

    @Test
    void literalsNeedNoSocket() throws Exception {
        HostResolver resolver = new HostResolver(new ExhaustedDatagramNetty(NETTY));
        EventLoop loop = NETTY.workerGroup().next();

        InetSocketAddress address = resolver.resolve(new Destination("127.0.0.1", 80), loop).get(5, TimeUnit.SECONDS);
        resolver.close();

        assertThat(address).isEqualTo(new InetSocketAddress("127.0.0.1", 80));
    }
}
