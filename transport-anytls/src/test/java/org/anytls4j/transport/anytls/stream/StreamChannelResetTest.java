package org.anytls4j.transport.anytls.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.transport.anytls.AnytlsCloseReasons;
import org.anytls4j.api.outbound.StreamResetException;
import org.anytls4j.api.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StreamChannel#reset}: the reader is told the stream was cut, then the stream closes without FIN. */
class StreamChannelResetTest {
    private final RecordingHost host = new RecordingHost();
    private final List<String> events = host.events;
    private final List<Boolean> finsRequested = host.finsRequested;
    private EmbeddedChannel session;
    private InboundBudget budget;
    private StreamChannel stream;

    @BeforeEach
    void setUp() {
        session = new EmbeddedChannel();
        budget = new InboundBudget(session, 1 << 20, Ticker.SYSTEM);
        stream = new StreamChannel(session, 1, host, budget, 64 * 1024);
        stream.config().setAutoRead(false); // nothing is delivered until read() asks for it: data stays queued
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                events.add("read");
                ((ByteBuf) msg).release();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                events.add("exception " + cause.getClass().getSimpleName() + " open=" + ctx.channel().isOpen());
            }
        });
        session.eventLoop().register(stream).syncUninterruptibly();
    }

    @AfterEach
    void tearDown() {
        session.finishAndReleaseAll();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void resetFiresTheCauseWhileOpenThenClosesWithoutFinAndDropsWhatIsQueued() {
        ByteBuf first = text("part of a body");
        ByteBuf second = text("more of it");
        stream.receive(first);
        stream.receive(second);
        assertThat(stream.queuedBytes()).isEqualTo(24);
        assertThat(budget.queuedBytes()).isEqualTo(24);

        stream.reset(new StreamResetException(CloseReason.HEARTBEAT_TIMEOUT, "session #1 heartbeat timeout"));

        assertThat(events).containsExactly("exception StreamResetException open=true", "closed");
        assertThat(finsRequested).containsExactly(false);
        assertThat(stream.isOpen()).isFalse();
        assertThat(stream.queuedBytes()).isZero();
        assertThat(budget.queuedBytes()).as("the session's budget is given back").isZero();
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
    }

    @Test
    void aReaderThatClosesOnTheResetStillSendsNoFin() {
        stream.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // what the relay does
            }
        });

        stream.reset(new StreamResetException(CloseReason.PEER_CLOSE, "server went away"));

        assertThat(stream.isOpen()).isFalse();
        assertThat(finsRequested).containsExactly(false);
    }

    @Test
    void writesAfterAResetFailAndAResetOfAClosedStreamFiresNothing() {
        stream.reset(new StreamResetException(AnytlsCloseReasons.SYNACK_TIMEOUT, "no SYNACK"));
        events.clear();

        ChannelFuture write = stream.writeAndFlush(text("too late"));
        stream.reset(new StreamResetException(AnytlsCloseReasons.SYNACK_TIMEOUT, "again"));

        assertThat(write.isSuccess()).isFalse();
        assertThat(events).isEmpty();
    }
}
