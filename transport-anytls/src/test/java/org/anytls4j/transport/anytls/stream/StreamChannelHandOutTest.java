package org.anytls4j.transport.anytls.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.logging.LoggingHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hand-out contract of {@link StreamChannel}: a stream starts with {@code autoRead} off and delivers nothing,
 * whatever its pipeline holds, until its owner reads; what arrives meanwhile is held in order, counts against the
 * stream's and the session's budget, and is released if the stream closes unread.
 */
class StreamChannelHandOutTest {
    private static final int STREAM_LIMIT = 1000;
    private final List<String> read = new ArrayList<>();
    private final RecordingHost host = new RecordingHost();
    private int readCompletes;
    private boolean ended;
    private EmbeddedChannel session;
    private InboundBudget budget;
    private StreamChannel stream;

    @BeforeEach
    void setUp() {
        session = new EmbeddedChannel();
        budget = new InboundBudget(session, 1 << 20, Ticker.SYSTEM);
        stream = new StreamChannel(session, 1, host, budget, STREAM_LIMIT);
        session.eventLoop().register(stream).syncUninterruptibly();
    }

    @AfterEach
    void tearDown() {
        session.finishAndReleaseAll();
    }

    /** What the owner installs in front of its reader: handlers that pass reads on but are not the reader. */
    private void installLoggingIdleAndReader() {
        stream.pipeline().addLast("log", new LoggingHandler());
        stream.pipeline().addLast("idle", new IdleStateHandler(0, 0, 60));
        stream.pipeline().addLast("reader", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf data = (ByteBuf) msg;
                read.add(data.toString(StandardCharsets.US_ASCII));
                data.release();
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                readCompletes++;
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                ended = true;
            }
        });
        session.runPendingTasks();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void aStreamStartsWithAutoReadOff() {
        assertThat(stream.config().isAutoRead()).isFalse();
    }

    @Test
    void dataArrivingBeforeTheFirstReadIsHeldWhateverTheFirstHandlerIsThenDeliveredInOrder() {
        stream.receive(text("220 smtp.example ESMTP\r\n"));
        installLoggingIdleAndReader(); // a logging handler first: on a live stream it would see and pass data on
        stream.receive(text("250 ready\r\n"));
        stream.readComplete();

        assertThat(read).as("nothing before the owner reads").isEmpty();
        assertThat(stream.queuedBytes()).isEqualTo(35);

        stream.read();
        session.runPendingTasks();

        assertThat(read).containsExactly("220 smtp.example ESMTP\r\n", "250 ready\r\n");
        assertThat(readCompletes).isEqualTo(1);
        assertThat(stream.queuedBytes()).isZero();
        assertThat(budget.queuedBytes()).isZero();
    }

    @Test
    void turningAutoReadOnDeliversWhatIsHeldAndThenEverythingAsItArrives() {
        installLoggingIdleAndReader();
        stream.receive(text("a"));
        stream.receive(text("b"));
        assertThat(read).isEmpty();

        stream.config().setAutoRead(true);
        session.runPendingTasks();
        stream.receive(text("c"));

        assertThat(read).containsExactly("a", "b", "c");
    }

    @Test
    void aFinBeforeTheFirstReadWaitsBehindTheHeldData() {
        installLoggingIdleAndReader();
        stream.receive(text("last words"));
        stream.peerClosed();

        assertThat(stream.isOpen()).as("the FIN waits for the reader").isTrue();
        stream.read();
        session.runPendingTasks();

        assertThat(read).containsExactly("last words");
        assertThat(ended).isTrue();
        assertThat(host.finsRequested).containsExactly(false);
    }

    @Test
    void heldDataPastTheStreamsBudgetPausesTheSessionUntilTheOwnerReads() {
        installLoggingIdleAndReader();
        stream.receive(text("x".repeat(STREAM_LIMIT)));
        assertThat(session.config().isAutoRead()).as("at the limit, not past it").isTrue();
        stream.receive(text("y"));
        assertThat(session.config().isAutoRead()).as("past the stream's limit: the session stops reading").isFalse();
        assertThat(budget.isPaused()).isTrue();

        stream.read();
        session.runPendingTasks();

        assertThat(session.config().isAutoRead()).isTrue();
        assertThat(budget.isPaused()).isFalse();
        assertThat(String.join("", read)).hasSize(STREAM_LIMIT + 1);
    }

    @Test
    void closingAStreamNobodyReadReleasesWhatItHeldAndTheBudget() {
        ByteBuf first = text("x".repeat(STREAM_LIMIT));
        ByteBuf second = text("y");
        stream.receive(first);
        stream.receive(second);
        assertThat(budget.isPaused()).isTrue();

        stream.close();
        session.runPendingTasks();

        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
        assertThat(budget.queuedBytes()).isZero();
        assertThat(session.config().isAutoRead()).isTrue();
        assertThat(host.finsRequested).containsExactly(true);
        assertThat(read).isEmpty();
    }
}
