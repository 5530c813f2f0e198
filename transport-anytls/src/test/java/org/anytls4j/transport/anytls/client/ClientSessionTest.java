package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.anytls4j.api.CloseReason;
import org.anytls4j.transport.anytls.AnytlsCloseReasons;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client session on an {@link EmbeddedChannel}: each outbound message is one record handed to TLS. */
class ClientSessionTest {
    private static final String SETTINGS_SYN_PSH_EXAMPLE_COM =
            "04000000000046763d320a636c69656e743d616e79746c73346a2f302e312e30"
                    + "0a70616464696e672d6d64353d37356366663261643839616164663565323537"
                    + "30353965653537316562653131010000000100000200000001000f030b657861"
                    + "6d706c652e636f6d01bb";
    /** A scheme that shapes nothing after packet 0: outbound messages are then plain frames. */
    private static final PaddingScheme NO_PADDING = PaddingScheme.parseConfigured("stop=1\n0=30-30");

    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<ByteBuf> received = new ArrayList<>();
    private EmbeddedChannel channel;
    private AtomicReference<PaddingScheme> scheme;
    private ClientSession session;

    @AfterEach
    void tearDown() {
        received.forEach(ByteBuf::release);
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private ClientSession newSession(PaddingScheme initial, long streamLimit, long sessionLimit) {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        scheme = new AtomicReference<>(initial);
        session = new ClientSession("test", 1, clock::get, channel, scheme, new Random(3), "anytls4j/0.1.0",
                streamLimit, sessionLimit).attach();
        return session;
    }

    private ClientSession newSession() {
        return newSession(NO_PADDING, 256 * 1024, 1024 * 1024);
    }

    private static ByteBuf frame(int command, long sid, byte[] data) {
        ByteBuf out = Unpooled.buffer(7 + data.length);
        FrameEncoder.writeHeader(out, command, sid, data.length);
        return out.writeBytes(data);
    }

    private static ByteBuf frame(int command, long sid, String text) {
        return frame(command, sid, text.getBytes(StandardCharsets.UTF_8));
    }

    private void inbound(int command, long sid, String text) {
        channel.writeInbound(frame(command, sid, text));
    }

    /** The next outbound record as hex, or null. */
    private String outbound() {
        ByteBuf record = channel.readOutbound();
        if (record == null) {
            return null;
        }
        try {
            return ByteBufUtil.hexDump(record);
        } finally {
            record.release();
        }
    }

    private List<String> allOutbound() {
        List<String> out = new ArrayList<>();
        String record;
        while ((record = outbound()) != null) {
            out.add(record);
        }
        return out;
    }

    /** Moves the session's ticker and its channel's scheduler together, and runs what fell due. */
    private void elapse(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
    }

    private Channel open(String host, int port) throws Exception {
        CompletableFuture<Channel> future = session.openStream(new Destination(host, port)).toCompletableFuture();
        channel.runPendingTasks();
        return future.get(0, TimeUnit.SECONDS);
    }

    /** Collects what a stream delivers, and whether it ended or failed. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        final StringBuilder text = new StringBuilder();
        int readCompletes;
        Throwable failure;
        boolean ended;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            text.append(data.toString(StandardCharsets.UTF_8));
            received.add(data);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readCompletes++;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended = true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
        }
    }

    /** Adds a {@link Reader}; the stream still delivers nothing until the test reads (the hand-out contract). */
    private Reader reader(Channel stream) {
        Reader reader = new Reader();
        stream.pipeline().addLast(reader);
        channel.runPendingTasks();
        return reader;
    }

    /** Adds a {@link Reader} and turns {@code autoRead} on, as a relay does once its handlers are in. */
    private Reader autoReader(Channel stream) {
        Reader reader = reader(stream);
        stream.config().setAutoRead(true);
        channel.runPendingTasks();
        return reader;
    }

    @Test
    void packet1IsSettingsSynAndAddressInOnePaddedRecord() throws Exception {
        newSession(PaddingScheme.DEFAULT, 256 * 1024, 1024 * 1024);

        Channel stream = open("example.com", 443);

        List<String> records = allOutbound();
        assertThat(records).hasSize(1);
        String record = records.get(0);
        assertThat(record).startsWith(SETTINGS_SYN_PSH_EXAMPLE_COM);
        int size = record.length() / 2;
        assertThat(size).isBetween(100, 399);
        // then one Waste frame filling the record to the drawn size
        assertThat(record.substring(212, 226)).isEqualTo("0000000000" + String.format("%04x", size - 106 - 7));
        assertThat(stream.isActive()).isTrue();
        assertThat(session.openStreams()).isEqualTo(1);
    }

    @Test
    void firstUserPayloadIsPacket2AndCutByLine2() throws Exception {
        newSession(PaddingScheme.DEFAULT, 256 * 1024, 1024 * 1024);
        Channel stream = open("example.com", 443);
        allOutbound();

        stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[517]));
        channel.runPendingTasks();

        List<Integer> sizes = allOutbound().stream().map(r -> r.length() / 2).toList();
        assertThat(sizes).hasSize(2);
        assertThat(sizes.get(0)).isBetween(400, 499);
        assertThat(sizes.get(1)).isBetween(500, 999);
    }

    @Test
    void laterStreamsSendSynAndAddressAsTwoWrites() throws Exception {
        newSession();
        open("example.com", 443);
        allOutbound();

        open("127.0.0.1", 8080);

        assertThat(String.join("", allOutbound())).isEqualTo("01000000020000" + "02000000020007017f0000011f90");
    }

    @Test
    void aHeartbeatOnAFreshSessionFlushesTheHeldSettingsWithIt() throws Exception {
        newSession(PaddingScheme.DEFAULT, 256 * 1024, 1024 * 1024);
        Heartbeat heartbeat = session.capability(Heartbeat.class).orElseThrow();

        CompletableFuture<Long> rtt = heartbeat.ping().toCompletableFuture();

        List<String> records = allOutbound();
        assertThat(records).hasSize(1);
        String settings = SETTINGS_SYN_PSH_EXAMPLE_COM.substring(0, 154);
        assertThat(records.get(0)).startsWith(settings + "08000000010000");
        assertThat(rtt).isNotDone();

        clock.addAndGet(12_345);
        inbound(Command.HEART_RESPONSE, 1, "");
        assertThat(rtt.get(0, TimeUnit.SECONDS)).isEqualTo(12_345L);
    }

    @Test
    void peerAnswersOnlyOnceTheServerAnnouncedVersion2() {
        newSession();
        Heartbeat heartbeat = session.capability(Heartbeat.class).orElseThrow();
        assertThat(heartbeat.peerAnswers()).isFalse();
        assertThat(session.peerVersion()).isZero();

        inbound(Command.SERVER_SETTINGS, 0, "v=2\nfuture=1");

        assertThat(session.peerVersion()).isEqualTo(2);
        assertThat(heartbeat.peerAnswers()).isTrue();
    }

    @Test
    void pingsFailWhenTheSessionCloses() {
        newSession();
        CompletableFuture<Long> rtt = session.ping().toCompletableFuture();

        session.close(CloseReason.SHUTDOWN);

        assertThat(rtt).isCompletedExceptionally();
    }

    @Test
    void heartRequestIsAnsweredAtOnceWithTheSameStreamId() throws Exception {
        newSession();
        open("example.com", 443);
        allOutbound();

        inbound(Command.HEART_REQUEST, 7, "");

        assertThat(allOutbound()).containsExactly("09000000070000");
    }

    @Test
    void v2SynackWithErrorTextFailsTheOpenWithThatText() {
        newSession();
        inbound(Command.SERVER_SETTINGS, 0, "v=2");

        CompletableFuture<Channel> future =
                session.openStream(new Destination("127.0.0.1", 9)).toCompletableFuture();
        assertThat(future).isNotDone();
        inbound(Command.SYNACK, 1, "dial tcp 127.0.0.1:9: connect: connection refused");

        assertThatThrownBy(future::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StreamRefusedException.class)
                .hasMessage("dial tcp 127.0.0.1:9: connect: connection refused");
        assertThat(session.isActive()).isTrue();
        assertThat(session.openStreams()).isZero();
    }

    @Test
    void v2OpenCompletesOnAnEmptySynack() throws Exception {
        newSession();
        inbound(Command.SERVER_SETTINGS, 0, "v=2");
        CompletableFuture<Channel> future =
                session.openStream(new Destination("127.0.0.1", 80)).toCompletableFuture();

        inbound(Command.SYNACK, 1, "");

        assertThat(future.get(0, TimeUnit.SECONDS).isActive()).isTrue();
    }

    @Test
    void aLateSynackErrorOnAV1StyleOpenFiresThroughTheStreamAndClosesItWithoutFin() throws Exception {
        newSession();
        Channel stream = open("127.0.0.1", 9);
        Reader reader = reader(stream);
        allOutbound();

        inbound(Command.SYNACK, 1, "dial tcp: refused");

        assertThat(reader.failure).isInstanceOf(StreamRefusedException.class).hasMessage("dial tcp: refused");
        assertThat(reader.ended).isTrue();
        assertThat(stream.isOpen()).isFalse();
        assertThat(allOutbound()).isEmpty();
    }

    @Test
    void synackWatchdogClosesTheSessionAfter3sForStream2() throws Exception {
        newSession();
        inbound(Command.SERVER_SETTINGS, 0, "v=2");
        session.openStream(new Destination("127.0.0.1", 80));
        inbound(Command.SYNACK, 1, "");
        session.openStream(new Destination("127.0.0.1", 80));

        elapse(2999);
        assertThat(session.isActive()).isTrue();

        elapse(1);
        assertThat(session.isActive()).isFalse();
        assertThat(session.closeFuture().toCompletableFuture().get()).isEqualTo(AnytlsCloseReasons.SYNACK_TIMEOUT);
    }

    @Test
    void anySynackCancelsTheWatchdog() {
        newSession();
        inbound(Command.SERVER_SETTINGS, 0, "v=2");
        session.openStream(new Destination("127.0.0.1", 80));
        session.openStream(new Destination("127.0.0.1", 80));
        inbound(Command.SYNACK, 2, "");

        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.runPendingTasks();

        assertThat(session.isActive()).isTrue();
    }

    @Test
    void noWatchdogWhileThePeerVersionIsUnknown() {
        newSession();
        session.openStream(new Destination("127.0.0.1", 80));
        session.openStream(new Destination("127.0.0.1", 80));

        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.runPendingTasks();

        assertThat(session.isActive()).isTrue();
    }

    @Test
    void alertClosesTheSessionAsPeerClose() throws Exception {
        newSession();

        inbound(Command.ALERT, 0, "client did not send its settings");

        assertThat(session.closeFuture().toCompletableFuture().get()).isEqualTo(CloseReason.PEER_CLOSE);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void unknownCommandIsSkippedTogetherWithItsData() throws Exception {
        newSession();
        open("example.com", 443);
        allOutbound();

        // data of an unknown command that looks like a HeartRequest header must not be parsed as a frame
        channel.writeInbound(frame(12, 0, new byte[] {8, 0, 0, 0, 5, 0, 0}));
        inbound(Command.WASTE, 0, "\0\0\0\0");
        inbound(Command.SETTINGS, 0, "v=2");

        assertThat(allOutbound()).isEmpty();
        assertThat(session.isActive()).isTrue();
        assertThat(session.peerVersion()).isZero();
    }

    @Test
    void dataThenFinIsDeliveredInOrderAndTheFinIsNotAnswered() throws Exception {
        newSession();
        Channel stream = open("example.com", 443);
        Reader reader = autoReader(stream);
        allOutbound();

        inbound(Command.PSH, 1, "hello ");
        inbound(Command.PSH, 1, "world");
        inbound(Command.FIN, 1, "");
        inbound(Command.FIN, 1, ""); // an old peer echoing FIN: unknown id by now
        inbound(Command.FIN, 99, "");
        inbound(Command.PSH, 99, "nobody");

        assertThat(reader.text.toString()).isEqualTo("hello world");
        assertThat(reader.ended).isTrue();
        assertThat(allOutbound()).isEmpty();
        assertThat(session.openStreams()).isZero();
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void pshDataReachesTheStreamAsItArrivesNotWhenItsFrameIsWhole() throws Exception {
        newSession();
        Reader reader = autoReader(open("example.com", 443));
        allOutbound();
        ByteBuf wire = frame(Command.PSH, 1, "hello world");

        channel.writeInbound(wire.readRetainedSlice(7 + 6)); // the header and "hello "
        assertThat(reader.text).hasToString("hello ");
        assertThat(reader.readCompletes).isEqualTo(1);
        channel.writeInbound(wire); // "world"
        assertThat(reader.text).hasToString("hello world");
        assertThat(reader.readCompletes).isEqualTo(2);
    }

    @Test
    void everyPieceOfAPshForAnUnknownIdIsIgnoredEvenWhenThatIdOpensMeanwhile() throws Exception {
        newSession();
        ByteBuf wire = frame(Command.PSH, 1, "early-late");
        channel.writeInbound(wire.readRetainedSlice(7 + 6)); // stream 1 is not open yet: "early-" is ignored
        Reader reader = autoReader(open("example.com", 443)); // gets id 1
        allOutbound();

        channel.writeInbound(wire); // "late", the rest of that frame: ignored as well
        inbound(Command.PSH, 1, "ok");

        assertThat(reader.text).hasToString("ok");
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void closingAStreamLocallySendsFin() throws Exception {
        newSession();
        Channel stream = open("example.com", 443);
        allOutbound();

        stream.close();
        channel.runPendingTasks();

        assertThat(allOutbound()).containsExactly("03000000010000");
        assertThat(session.openStreams()).isZero();
    }

    @Test
    void streamsSeeOneReadCompletePerSessionReadBatchNotOnePerFrame() throws Exception {
        newSession();
        Reader a = autoReader(open("a.example", 443));
        Reader b = autoReader(open("b.example", 443));
        Reader idle = autoReader(open("c.example", 443));
        allOutbound();

        // one socket read's worth of frames for two streams, then the session's channelReadComplete
        channel.writeInbound(frame(Command.PSH, 1, "a1"), frame(Command.PSH, 2, "b1"), frame(Command.PSH, 1, "a2"));

        assertThat(a.text).hasToString("a1a2");
        assertThat(b.text).hasToString("b1");
        assertThat(a.readCompletes).isEqualTo(1);
        assertThat(b.readCompletes).isEqualTo(1);
        assertThat(idle.readCompletes).isZero();

        channel.writeInbound(frame(Command.PSH, 2, "b2"));
        assertThat(b.text).hasToString("b1b2");
        assertThat(a.readCompletes).isEqualTo(1);
        assertThat(b.readCompletes).isEqualTo(2);
    }

    @Test
    void writesBecomePshFramesSplitAt65535() throws Exception {
        newSession();
        Channel stream = open("example.com", 443);
        allOutbound();

        stream.writeAndFlush(Unpooled.wrappedBuffer("abc".getBytes(StandardCharsets.US_ASCII)));
        channel.runPendingTasks();
        assertThat(String.join("", allOutbound())).isEqualTo("0200000001000361" + "6263");

        stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[70_000]));
        channel.runPendingTasks();
        String all = String.join("", allOutbound());
        assertThat(all.length() / 2).isEqualTo(70_000 + 14);
        assertThat(all).startsWith("0200000001ffff");
        assertThat(all.substring((7 + 65535) * 2, (7 + 65535) * 2 + 14)).isEqualTo("0200000001" + "1171");
    }

    @Test
    void closingTheSessionClosesStreamsWithoutFinAndCompletesOnceWithTheFirstReason() throws Exception {
        newSession();
        Channel stream = open("example.com", 443);
        allOutbound();

        session.close(CloseReason.IDLE_TIMEOUT);
        session.close(CloseReason.SHUTDOWN);

        assertThat(stream.isOpen()).isFalse();
        assertThat(allOutbound()).isEmpty();
        assertThat(session.closeFuture().toCompletableFuture().get()).isEqualTo(CloseReason.IDLE_TIMEOUT);
        assertThat(session.isActive()).isFalse();
        assertThat(channel.isOpen()).isFalse();
        assertThatThrownBy(() -> session.openStream(new Destination("a.b", 1)).toCompletableFuture().get())
                .hasMessageContaining("session closed: idle-timeout");
    }

    @Test
    void theChannelClosingClosesTheSessionAsPeerClose() throws Exception {
        newSession();

        channel.close();

        assertThat(session.closeFuture().toCompletableFuture().get()).isEqualTo(CloseReason.PEER_CLOSE);
    }

    @Test
    void aValidUpdatePaddingSchemeReplacesTheOutboundsSchemeAndAnInvalidOneIsIgnored() {
        newSession();
        String pushed = "stop=5\n0=20-20\n1=120-120";

        inbound(Command.UPDATE_PADDING_SCHEME, 0, pushed);
        assertThat(scheme.get().text()).isEqualTo(pushed);

        inbound(Command.UPDATE_PADDING_SCHEME, 0, "stop=x\n1=1-2");
        assertThat(scheme.get().text()).isEqualTo(pushed);
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void anUpdateAppliesToTheSessionsNextPacket() throws Exception {
        newSession(PaddingScheme.DEFAULT, 256 * 1024, 1024 * 1024);
        Channel stream = open("example.com", 443);
        allOutbound();

        inbound(Command.UPDATE_PADDING_SCHEME, 0, "stop=5\n2=200-200,c,300-300");
        stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[10]));
        channel.runPendingTasks();

        assertThat(allOutbound()).extracting(String::length).containsExactly(400);
    }

    @Test
    void anUnencodableDestinationFailsTheOpenButNotTheSession() {
        newSession();

        CompletableFuture<Channel> future =
                session.openStream(new Destination("x".repeat(256), 1)).toCompletableFuture();

        assertThat(future).isCompletedExceptionally();
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void aStreamWhoseSynCannotBeWrittenIsNotResetThroughAPipelineNobodyInstalled() throws Exception {
        newSession();
        open("example.com", 443).pipeline().addLast(new Reader());
        allOutbound();
        // The TLS connection broke under the session (a server that closed it after a wrong password): every
        // write fails from now on.
        channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
                              io.netty.channel.ChannelPromise promise) {
                io.netty.util.ReferenceCountUtil.release(msg);
                promise.setFailure(new java.io.IOException("Broken pipe"));
            }
        });
        try (org.anytls4j.core.testing.LogCapture logs = org.anytls4j.core.testing.LogCapture.of("io.netty")) {
            CompletableFuture<Channel> future =
                    session.openStream(new Destination("127.0.0.1", 8080)).toCompletableFuture();
            channel.runPendingTasks();
            // What the pool does with a session whose open failed with an I/O error.
            session.close(org.anytls4j.api.CloseReason.ERROR);
            channel.runPendingTasks();

            assertThat(future).isCompletedExceptionally();
            assertThat(logs.lines()).noneMatch(l -> l.contains("reached at the tail of the pipeline"));
        }
    }

    @Test
    void aStreamThatDoesNotReadPausesTheSessionOnlyOnceItsQueueIsFull() throws Exception {
        newSession(NO_PADDING, 1000, 100_000);
        Channel slow = open("slow.example", 1);
        reader(slow); // never reads: a stream is handed out with autoRead off
        Channel fast = open("fast.example", 2);
        Reader fastReader = autoReader(fast);
        String chunk = "x".repeat(300);

        for (int i = 0; i < 3; i++) {
            inbound(Command.PSH, 1, chunk);
            inbound(Command.PSH, 2, chunk);
        }
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(fastReader.text).hasSize(900);

        inbound(Command.PSH, 1, chunk); // 1200 queued > 1000
        assertThat(channel.config().isAutoRead()).isFalse();

        slow.read();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void theSessionBudgetPausesReadingWhenAllQueuesTogetherPassIt() throws Exception {
        newSession(NO_PADDING, 1000, 1500);
        Channel a = open("a.example", 1);
        Channel b = open("b.example", 1);
        a.config().setAutoRead(false);
        b.config().setAutoRead(false);
        reader(a);
        Reader readerB = reader(b);

        inbound(Command.PSH, 1, "x".repeat(800));
        inbound(Command.PSH, 2, "y".repeat(600));
        assertThat(channel.config().isAutoRead()).isTrue();
        inbound(Command.PSH, 2, "y".repeat(200));
        assertThat(channel.config().isAutoRead()).isFalse();

        b.read();
        assertThat(readerB.text).hasSize(800);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aClosedStreamReleasesItsQueueFromTheBudget() throws Exception {
        newSession(NO_PADDING, 1000, 100_000);
        Channel slow = open("slow.example", 1);
        slow.config().setAutoRead(false);
        reader(slow);
        inbound(Command.PSH, 1, "x".repeat(1500));
        assertThat(channel.config().isAutoRead()).isFalse();

        slow.close();
        channel.runPendingTasks();

        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aStreamIsWritableOnlyWhileTheSessionIsAndHearsWhenThatChanges() throws Exception {
        newSession();
        Channel stream = open("example.com", 443);
        allOutbound();
        List<Boolean> seen = new ArrayList<>();
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                seen.add(ctx.channel().isWritable());
            }
        });
        channel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(16, 32));
        assertThat(stream.isWritable()).isTrue();

        channel.write(Unpooled.wrappedBuffer(new byte[100])); // queued, not flushed: the session is full
        assertThat(stream.isWritable()).isFalse();

        channel.flush();
        assertThat(stream.isWritable()).isTrue();
        assertThat(seen).containsExactly(false, true);
        allOutbound();
    }

    @Test
    void dataArrivingBeforeAHandlerIsAddedIsKeptForIt() throws Exception {
        newSession();
        Channel stream = open("example.com", 443);
        inbound(Command.PSH, 1, "early");

        Reader reader = reader(stream);
        stream.read();

        assertThat(reader.text.toString()).isEqualTo("early");
    }
}
