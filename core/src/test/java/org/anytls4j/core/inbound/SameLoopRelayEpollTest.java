package org.anytls4j.core.inbound;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import org.anytls4j.api.NettyResources;
import org.anytls4j.core.runtime.DefaultNettyResources;

/** {@link SameLoopRelayTest} on the host's own event loops: epoll sockets where the native transport loads. */
class SameLoopRelayEpollTest extends SameLoopRelayTest {
    @Override
    NettyResources newNetty() {
        assumeTrue(Epoll.isAvailable(), "the epoll native transport does not load here");
        return new DefaultNettyResources();
    }
}
