package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Ticker;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hostile server over a real TCP connection (no TLS, so the bytes are the frames): it sends HeartRequest as fast
 * as it can and never reads. The client answers each one while it can, but what it queues toward the server stays
 * bounded (the channel's write-buffer high-water mark plus one reply), and once the server has not read for the
 * control-write deadline (5 s) the session is closed. Measured: at most 65,611 bytes queued with the bound, 27.6 MB
 * for the same flood when every HeartRequest is answered at once.
 */
@Timeout(60)
class HeartRequestFloodTest {
    private static final PaddingScheme NO_PADDING = PaddingScheme.parseConfigured("stop=1\n0=30-30");
    private static final int HIGH_WATER_MARK = 64 * 1024;
    private static final int FLOOD_FRAMES = 300_000;                 // 2.1 MB of HeartRequest: 2.1 MB of answers

    @Test
    void aServerFloodingHeartRequestsWithoutReadingCannotGrowTheClientsQueueAndIsClosed() throws Exception {
        try (TestNetty netty = new TestNetty();
             ServerSocket listener = new ServerSocket()) {
            listener.setReceiveBufferSize(4096);                     // before bind: the window is small from SYN
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
            Channel channel = new Bootstrap().group(netty.workerGroup()).channel(NioSocketChannel.class)
                    .option(ChannelOption.SO_SNDBUF, 4096)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(HIGH_WATER_MARK / 2, HIGH_WATER_MARK))
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                        }
                    })
                    .connect(listener.getLocalSocketAddress()).sync().channel();
            ClientSession session = channel.eventLoop().submit(() -> new ClientSession("flood", 1, Ticker.SYSTEM,
                    channel, new AtomicReference<>(NO_PADDING), new Random(3), "", 256 * 1024, 1024 * 1024)
                    .attach()).get();

            AtomicLong mostQueued = new AtomicLong();
            try (Socket hostile = listener.accept()) {
                byte[] flood = new byte[FLOOD_FRAMES * 7];
                for (int i = 0; i < FLOOD_FRAMES; i++) {
                    flood[i * 7] = (byte) Command.HEART_REQUEST;
                    flood[i * 7 + 3] = (byte) (i >> 8);                  // stream id (bytes 1-4), echoed back
                    flood[i * 7 + 4] = (byte) i;
                }
                OutputStream out = hostile.getOutputStream();
                long start = System.nanoTime();
                try {
                    for (int off = 0; off < flood.length; off += 7 * 1024) {
                        out.write(flood, off, Math.min(7 * 1024, flood.length - off));
                        mostQueued.accumulateAndGet(queued(channel), Math::max);
                    }
                    out.flush();
                } catch (SocketException e) {
                    // on a loaded machine the flood may still be going when the client's deadline ends the session
                }
                CloseReason reason = session.closeFuture().toCompletableFuture().get(20, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

                assertThat(reason).isEqualTo(CloseReason.ERROR);
                assertThat(tookMillis).as("the 5 s control-write deadline").isBetween(4900L, 15_000L);
            }
            assertThat(mostQueued.get()).as("bytes queued toward the server").isLessThanOrEqualTo(
                    HIGH_WATER_MARK + 7 * 1024);
        }
    }

    /** Bytes the client has queued toward the server and not yet handed to the kernel. */
    private static long queued(Channel channel) throws Exception {
        return channel.eventLoop().submit(() -> {
            ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
            return buffer == null ? 0L : buffer.totalPendingWriteBytes();
        }).get();
    }
}
