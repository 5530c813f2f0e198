package org.anytls4j.core.runtime;

import io.netty.channel.AbstractChannel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramChannelConfig;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import org.anytls4j.api.NettyResources;

/**
 * Event loops whose UDP sockets cannot be created, as when the process is out of descriptors (EMFILE): Netty's
 * channel factory fails with the same "Unable to create Channel from class ..." as then. Everything else is
 * {@code real}'s. For tests of DNS resolution under descriptor exhaustion.
 */
public final class ExhaustedDatagramNetty implements NettyResources {
    private final NettyResources real;

    public ExhaustedDatagramNetty(NettyResources real) {
        this.real = real;
    }

    /** Cannot be instantiated (abstract), so creating one fails like a socket() call failing with EMFILE. */
    public abstract static class ExhaustedDatagramChannel extends AbstractChannel implements DatagramChannel {
        public ExhaustedDatagramChannel() {
            super(null);
        }

        @Override
        public abstract InetSocketAddress localAddress();

        @Override
        public abstract InetSocketAddress remoteAddress();

        @Override
        public abstract DatagramChannelConfig config();
    }

    @Override
    public EventLoopGroup bossGroup() {
        return real.bossGroup();
    }

    @Override
    public EventLoopGroup workerGroup() {
        return real.workerGroup();
    }

    @Override
    public Class<? extends SocketChannel> socketChannelClass() {
        return real.socketChannelClass();
    }

    @Override
    public Class<? extends ServerSocketChannel> serverSocketChannelClass() {
        return real.serverSocketChannelClass();
    }

    @Override
    public Class<? extends DatagramChannel> datagramChannelClass() {
        return ExhaustedDatagramChannel.class;
    }
}
