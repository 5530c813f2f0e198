package org.anytls4j.transport.anytls.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameEncoder#writeFrame}: a small frame leaves as one buffer; a large one as its header, in a buffer with room
 * for the rest of a TLS record (SslHandler's write queue copies the start of the payload into it, so the header
 * shares a record with its payload), followed by the payload itself, not copied.
 */
class FrameEncoderTest {
    private static ChannelHandlerContext context(EmbeddedChannel channel) {
        channel.pipeline().addLast("probe", new ChannelInboundHandlerAdapter());
        return channel.pipeline().context("probe");
    }

    private static List<ByteBuf> written(EmbeddedChannel channel) {
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.add(b);
        }
        return out;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void aSmallFrameIsOneBufferHoldingHeaderAndData() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ByteBuf data = Unpooled.wrappedBuffer(bytes(100));
        FrameEncoder.writeFrame(context(channel), Command.PSH, 3, data, 100, channel.voidPromise());
        channel.flush();
        List<ByteBuf> out = written(channel);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).readableBytes()).isEqualTo(107);
        assertThat(ByteBufUtil.hexDump(out.get(0), 0, 7)).isEqualTo("02000000030064");
        assertThat(data.isReadable()).isFalse();
        out.forEach(ByteBuf::release);
        data.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void aLargeFrameIsItsHeaderWithRoomForARecordThenItsDataUncopied() {
        EmbeddedChannel channel = new EmbeddedChannel();
        byte[] payload = bytes(40_000);
        ByteBuf data = Unpooled.directBuffer(40_000).writeBytes(payload);
        FrameEncoder.writeFrame(context(channel), Command.PSH, 7, data, 40_000, channel.voidPromise());
        channel.flush();
        List<ByteBuf> out = written(channel);
        assertThat(out).hasSize(2);
        ByteBuf header = out.get(0);
        assertThat(ByteBufUtil.hexDump(header)).isEqualTo("02000000079c40");
        assertThat(header.maxWritableBytes()).isGreaterThanOrEqualTo(16 * 1024 - Frame.HEADER_LENGTH);
        ByteBuf body = out.get(1);
        assertThat(ByteBufUtil.getBytes(body)).isEqualTo(payload);
        assertThat(body.memoryAddress()).as("the payload is a slice of the data, not a copy")
                .isEqualTo(data.memoryAddress());
        assertThat(data.isReadable()).isFalse();
        out.forEach(ByteBuf::release);
        data.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void theLimitIsWhatFillsOneRecordWithTheHeader() {
        EmbeddedChannel channel = new EmbeddedChannel();
        int limit = FrameEncoder.COPY_LIMIT;
        assertThat(limit).isEqualTo(16 * 1024 - Frame.HEADER_LENGTH);
        ByteBuf data = Unpooled.wrappedBuffer(bytes(2 * limit + 1));
        ChannelHandlerContext ctx = context(channel);
        FrameEncoder.writeFrame(ctx, Command.PSH, 1, data, limit, channel.voidPromise());
        FrameEncoder.writeFrame(ctx, Command.PSH, 1, data, limit + 1, channel.voidPromise());
        channel.flush();
        List<ByteBuf> out = written(channel);
        assertThat(out).extracting(ByteBuf::readableBytes).containsExactly(limit + 7, 7, limit + 1);
        out.forEach(ByteBuf::release);
        data.release();
        assertThat(channel.finish()).isFalse();
    }
}
