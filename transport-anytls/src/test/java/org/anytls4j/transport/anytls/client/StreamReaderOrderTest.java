package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A caller that installs an outbound-only handler (a request encoder) on a stream before its reader loses
 * nothing: data and the peer's FIN that arrive in between stay queued until a handler that reads is there.
 */
class StreamReaderOrderTest {
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void inbound(int command, long sid, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer(7 + data.length);
        FrameEncoder.writeHeader(out, command, sid, data.length);
        channel.writeInbound(out.writeBytes(data));
        channel.runPendingTasks();
    }

    @Test
    void dataArrivingWhileOnlyAnEncoderIsInstalledWaitsForTheReader() throws Exception {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        ClientSession session = new ClientSession("test", 1, () -> 0L, channel,
                new AtomicReference<>(PaddingScheme.parseConfigured("stop=1\n0=30-30")), new Random(3),
                "anytls4j/0.1.0", 256 * 1024, 1024 * 1024, Duration.ZERO).attach();
        var open = session.openStream(new Destination("example.com", 80)).toCompletableFuture();
        channel.runPendingTasks();
        Channel stream = open.get(0, TimeUnit.SECONDS);

        stream.pipeline().addLast("encoder", new ChannelOutboundHandlerAdapter());
        inbound(Command.PSH, 1, "HTTP/1.1 204 No Content\r\n\r\n");
        inbound(Command.FIN, 1, "");
        assertThat(stream.isOpen()).as("the FIN waits behind the undelivered data").isTrue();

        StringBuilder read = new StringBuilder();
        stream.pipeline().addLast("reader", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf data = (ByteBuf) msg;
                read.append(data.toString(StandardCharsets.US_ASCII));
                data.release();
            }
        });
        stream.read();
        channel.runPendingTasks();
        assertThat(read.toString()).isEqualTo("HTTP/1.1 204 No Content\r\n\r\n");
        assertThat(stream.isOpen()).isFalse();
    }
}
