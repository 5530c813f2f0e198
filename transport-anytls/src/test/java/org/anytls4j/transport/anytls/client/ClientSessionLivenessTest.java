package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.anytls4j.api.outbound.StreamResetException;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Liveness of the client session (issue 8): the read clock and pause time the heartbeat relies on, what the
 * outbound remembers about its server, the SYNACK watchdog on pre-warmed sessions and across read pauses, the reset
 * of streams a dying session cuts, and the bound on HeartResponses a server that does not read can make us queue.
 * Each session runs on an {@link EmbeddedChannel} whose scheduler and the session's ticker move together.
 */
class ClientSessionLivenessTest {
    private static final PaddingScheme NO_PADDING = PaddingScheme.parseConfigured("stop=1\n0=30-30");

    private final AtomicLong clock = new AtomicLong(1_000);
    private final ServerKnowledge knowledge = new ServerKnowledge("test");
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<ByteBuf> received = new ArrayList<>();
    private long nextSeq = 1;

    @AfterEach
    void tearDown() {
        received.forEach(ByteBuf::release);
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private ClientSession newSession(long streamLimit) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channels.add(channel);
        return new ClientSession("test", nextSeq++, clock::get, channel, new AtomicReference<>(NO_PADDING),
                new Random(3), "anytls4j/0.1.0", streamLimit, 1024 * 1024, Duration.ofSeconds(1), knowledge,
                Duration.ofSeconds(3)).attach();
    }

    private ClientSession newSession() {
        return newSession(256 * 1024);
    }

    private static EmbeddedChannel channel(ClientSession session) {
        return (EmbeddedChannel) session.channel();
    }

    private static void inbound(ClientSession session, int command, long sid, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer(7 + data.length);
        FrameEncoder.writeHeader(out, command, sid, data.length);
        channel(session).writeInbound(out.writeBytes(data));
        channel(session).runPendingTasks();
    }

    /** Moves the ticker and every channel's scheduler together, running what falls due. */
    private void elapse(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        for (EmbeddedChannel channel : channels) {
            channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
            channel.runPendingTasks();
        }
    }

    private static CompletableFuture<Channel> openStream(ClientSession session, String host) {
        CompletableFuture<Channel> open = session.openStream(new Destination(host, 443)).toCompletableFuture();
        channel(session).runPendingTasks();
        return open;
    }

    /** Tells the session its server speaks v2, opens stream 1 and answers it with SYNACK; returns the stream. */
    private static Channel firstStreamOnV2(ClientSession session, String host) throws Exception {
        inbound(session, Command.SERVER_SETTINGS, 0, "v=2");
        CompletableFuture<Channel> open = openStream(session, host);
        inbound(session, Command.SYNACK, 1, "");
        return open.get(0, TimeUnit.SECONDS);
    }

    private static List<String> outboundHex(ClientSession session) {
        List<String> out = new ArrayList<>();
        ByteBuf record;
        while ((record = channel(session).readOutbound()) != null) {
            out.add(ByteBufUtil.hexDump(record));
            record.release();
        }
        return out;
    }

    /** Collects what a stream delivers, and how it ended. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        final List<Throwable> failures = new ArrayList<>();
        boolean ended;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add((ByteBuf) msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended = true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.add(cause);
        }
    }

    private Reader reader(Channel stream) {
        Reader reader = new Reader();
        stream.pipeline().addLast(reader);
        return reader;
    }

    // ---- the read clock and the pause time ----

    @Test
    void anyReadStampsLastReadNanosEvenHalfAFrame() {
        ClientSession session = newSession();
        assertThat(session.lastReadNanos()).isEqualTo(Long.MIN_VALUE);
        elapse(500);
        channel(session).writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) Command.WASTE, 0, 0}));
        assertThat(session.lastReadNanos()).isEqualTo(clock.get());
        elapse(500);
        inbound(session, Command.SERVER_SETTINGS, 0, "v=2");
        assertThat(session.lastReadNanos()).isEqualTo(clock.get());
    }

    @Test
    void readsPausedNanosCountsEveryPauseOnTheTickerTheOngoingOneIncluded() throws Exception {
        ClientSession session = newSession(1024);
        Channel slow = firstStreamOnV2(session, "slow.example");
        slow.config().setAutoRead(false);
        reader(slow);
        assertThat(session.readsPaused()).isFalse();
        assertThat(session.readsPausedNanos()).isZero();

        inbound(session, Command.PSH, 1, "x".repeat(2000));
        assertThat(session.readsPaused()).isTrue();
        elapse(4000);
        assertThat(session.readsPausedNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(4));
        slow.read();
        assertThat(session.readsPaused()).isFalse();
        elapse(10_000);
        assertThat(session.readsPausedNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(4));
    }

    // ---- what the outbound knows about its server ----

    @Test
    void aNewSessionKnowsFromAnotherThatTheServerAnswersHeartbeats() {
        ClientSession first = newSession();
        ClientSession fresh = newSession();
        assertThat(fresh.peerAnswers()).isFalse();
        inbound(first, Command.SERVER_SETTINGS, 0, "v=2");
        assertThat(fresh.peerAnswers()).as("v2 proved on another session").isTrue();
        assertThat(newSession().peerAnswers()).isTrue();
    }

    @Test
    void aHeartResponseAloneProvesTheServerAnswersButNotThatItSpeaksV2() throws Exception {
        ClientSession first = newSession();
        first.ping();
        channel(first).runPendingTasks();
        inbound(first, Command.HEART_RESPONSE, 1, "");
        ClientSession fresh = newSession();
        assertThat(fresh.peerAnswers()).isTrue();
        assertThat(knowledge.knowsV2()).isFalse();
        // the first stream is not guarded by the watchdog: the server may be v1
        CompletableFuture<Channel> open = openStream(fresh, "example.com");
        elapse(1000); // first_stream_wait: handed out
        assertThat(open.get(0, TimeUnit.SECONDS).isActive()).isTrue();
        elapse(10_000);
        assertThat(fresh.isActive()).isTrue();
    }

    @Test
    void aServerThatAnnouncesV1IsForgottenAndItsWaitingStreamHandedOut() throws Exception {
        ClientSession first = newSession();
        inbound(first, Command.SERVER_SETTINGS, 0, "v=2");
        ClientSession replaced = newSession();
        CompletableFuture<Channel> open = openStream(replaced, "example.com");
        assertThat(open).as("waits for a SYNACK: the server is believed v2").isNotDone();
        inbound(replaced, Command.SERVER_SETTINGS, 0, "v=1");
        assertThat(open.get(0, TimeUnit.SECONDS).isActive()).isTrue();
        assertThat(knowledge.knowsV2()).isFalse();
        assertThat(newSession().peerAnswers()).isFalse();
        elapse(10_000);
        assertThat(replaced.isActive()).as("no watchdog against a v1 server").isTrue();
    }

    // ---- the first stream of a pre-warmed session ----

    @Test
    void aPreWarmedSessionWhoseServerWentSilentFailsItsFirstStreamWithTheReasonAndCloses() {
        inbound(newSession(), Command.SERVER_SETTINGS, 0, "v=2");
        ClientSession preWarmed = newSession();
        CompletableFuture<Channel> open = openStream(preWarmed, "example.com");

        elapse(2999);
        assertThat(open).isNotDone();
        assertThat(preWarmed.isActive()).isTrue();
        elapse(1);

        assertThat(open).failsWithin(0, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IOException.class)
                .withMessageContaining("server did not answer within 3s (no SYNACK); session closed");
        assertThat(preWarmed.isActive()).isFalse();
        assertThat(preWarmed.closeFuture().toCompletableFuture().join()).isEqualTo(AnytlsCloseReasons.SYNACK_TIMEOUT);
    }

    @Test
    void aPreWarmedSessionsFirstStreamIsHandedOutOnItsSynack() throws Exception {
        inbound(newSession(), Command.SERVER_SETTINGS, 0, "v=2");
        ClientSession preWarmed = newSession();
        CompletableFuture<Channel> open = openStream(preWarmed, "example.com");
        elapse(1500);
        inbound(preWarmed, Command.SERVER_SETTINGS, 0, "v=2");
        inbound(preWarmed, Command.SYNACK, 1, "");
        assertThat(open.get(0, TimeUnit.SECONDS).isActive()).isTrue();
        elapse(10_000);
        assertThat(preWarmed.isActive()).isTrue();
    }

    // ---- the watchdog does not count paused reads ----

    @Test
    void theSynackWatchdogDoesNotCountTimeWhileReadsArePaused() throws Exception {
        ClientSession session = newSession(1024);
        Channel slow = firstStreamOnV2(session, "slow.example");
        slow.config().setAutoRead(false);
        reader(slow);

        CompletableFuture<Channel> second = openStream(session, "new.example"); // watchdog armed
        elapse(1000);
        inbound(session, Command.PSH, 1, "x".repeat(2000));                     // the slow reader pauses reads
        assertThat(session.readsPaused()).isTrue();
        elapse(20_000);
        assertThat(session.isActive()).as("20 s paused: no verdict").isTrue();
        assertThat(second).isNotDone();

        slow.read();                                                              // reads resume
        assertThat(session.readsPaused()).isFalse();
        elapse(2900);
        assertThat(session.isActive()).isTrue();
        elapse(200);                                                              // 3.1 s of silent reading
        assertThat(session.isActive()).isFalse();
        assertThat(second).isCompletedExceptionally();
    }

    @Test
    void aSessionThatKeepsSendingIsNotClosedWhileASlowDialsSynackIsPendingButIsOnceItFallsSilent() throws Exception {
        ClientSession session = newSession();
        reader(firstStreamOnV2(session, "download.example"));
        CompletableFuture<Channel> slowDial = openStream(session, "slow-dial.example");
        for (int i = 0; i < 10; i++) {                                          // 10 s of data, no SYNACK for 2
            elapse(1000);
            inbound(session, Command.PSH, 1, "data");
        }
        assertThat(session.isActive()).as("the server is alive: it keeps sending").isTrue();
        assertThat(slowDial).isNotDone();

        for (int i = 0; i < 60 && session.isActive(); i++) {                     // silent: closed within 2 bounds
            elapse(100);
        }
        assertThat(session.isActive()).isFalse();
        assertThat(slowDial).isCompletedExceptionally();
    }

    // ---- a session that dies resets the streams it cuts ----

    @Test
    void aSessionThatDiesResetsItsOpenStreamsWithTheReason() throws Exception {
        ClientSession session = newSession();
        Channel stream = firstStreamOnV2(session, "example.com");
        Reader reader = reader(stream);
        outboundHex(session);

        session.close(CloseReason.HEARTBEAT_TIMEOUT);
        channel(session).runPendingTasks();

        assertThat(reader.failures).singleElement().isInstanceOfSatisfying(StreamResetException.class,
                reset -> assertThat(reset.reason()).isEqualTo(CloseReason.HEARTBEAT_TIMEOUT));
        assertThat(reader.ended).isTrue();
        assertThat(outboundHex(session)).as("no FIN: the stream was cut, not ended").isEmpty();
    }

    @Test
    void aStreamTheServerEndedIsNotReset() throws Exception {
        ClientSession session = newSession();
        Reader reader = reader(firstStreamOnV2(session, "example.com"));
        inbound(session, Command.FIN, 1, "");
        session.close(CloseReason.PEER_CLOSE);
        channel(session).runPendingTasks();
        assertThat(reader.ended).isTrue();
        assertThat(reader.failures).isEmpty();
    }

    // ---- a server flooding HeartRequest without reading ----

    @Test
    void heartResponsesAreCoalescedWhileTheServerDoesNotRead() {
        ClientSession session = newSession();
        inbound(session, Command.SERVER_SETTINGS, 0, "v=2");
        inbound(session, Command.HEART_REQUEST, 7, "");
        assertThat(outboundHex(session)).as("Settings held, then the answer").hasSize(1);

        EmbeddedChannel channel = channel(session);
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        channel.runPendingTasks();
        for (int id = 100; id < 10_100; id++) {
            inbound(session, Command.HEART_REQUEST, id, "");
        }
        assertThat(outboundHex(session)).as("nothing queued while the server does not read").isEmpty();

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();
        assertThat(outboundHex(session)).as("one answer, with the latest id")
                .containsExactly("09" + "00002773" + "0000");
        elapse(10_000);
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void aServerThatFloodsHeartRequestsAndNeverReadsIsClosedAfterTheControlWriteDeadline() {
        try (LogCapture logs = LogCapture.of(ClientSession.class.getName())) {
            ClientSession session = newSession();
            inbound(session, Command.SERVER_SETTINGS, 0, "v=2");
            EmbeddedChannel channel = channel(session);
            channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
            channel.runPendingTasks();
            for (int id = 1; id <= 1000; id++) {
                inbound(session, Command.HEART_REQUEST, id, "");
            }
            elapse(4999);
            assertThat(session.isActive()).isTrue();
            elapse(1);
            assertThat(session.closeFuture().toCompletableFuture().join()).isEqualTo(CloseReason.ERROR);
            assertThat(logs.lines(Level.WARN)).contains("outbound=test session=#1 the server did not read for 5s "
                    + "while sending 1000 HeartRequests; closing");
        }
    }
}
