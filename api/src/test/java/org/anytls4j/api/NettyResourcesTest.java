package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import org.junit.jupiter.api.Test;

/** The stream read allocator every host lends: starts at 16 KiB, grows to 256 KiB under full reads, never past. */
class NettyResourcesTest {
    private static final NettyResources ANY = new NettyResources() {
        @Override
        public EventLoopGroup bossGroup() {
            throw new UnsupportedOperationException();
        }

        @Override
        public EventLoopGroup workerGroup() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Class<? extends SocketChannel> socketChannelClass() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverSocketChannelClass() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannelClass() {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void streamReadsStartAt16KibAndGrowTo256KibWhenEveryReadFillsItsBuffer() {
        EmbeddedChannel channel = new EmbeddedChannel();
        RecvByteBufAllocator.Handle handle = ANY.streamReadAllocator().newHandle();
        assertThat(handle.guess()).isEqualTo(16 * 1024);
        int largest = 0;
        for (int i = 0; i < 50; i++) {
            handle.reset(channel.config());
            int guess = handle.guess();
            handle.lastBytesRead(guess); // the read filled the buffer
            handle.incMessagesRead(1);
            handle.readComplete();
            largest = Math.max(largest, handle.guess());
        }
        assertThat(largest).isEqualTo(256 * 1024);
        channel.finishAndReleaseAll();
    }
}
