package org.anytls4j.transport.anytls.server;

import static org.anytls4j.transport.anytls.server.RawTlsClient.concat;
import static org.anytls4j.transport.anytls.server.RawTlsClient.frame;
import static org.anytls4j.transport.anytls.server.RawTlsClient.ipv4;
import static org.anytls4j.transport.anytls.server.RawTlsClient.preamble;
import static org.anytls4j.transport.anytls.server.RawTlsClient.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.Test;

/** The server session in an EmbeddedChannel (after TLS): authentication, settings, streams, limits, timers. */
@org.junit.jupiter.api.extension.ExtendWith(org.anytls4j.core.relay.LeakCheck.class)
class ServerSessionTest {
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    @Test
    void preambleArrivingByteByByteIsAccepted() {
        try (EmbeddedServer s = new EmbeddedServer("")) {
            byte[] all = concat(preamble(ServerHarness.PASSWORD, 30), settings("v=2"));
            for (byte b : all) {
                s.write(new byte[] {b});
            }
            s.expect(Command.UPDATE_PADDING_SCHEME, 0, PaddingScheme.DEFAULT.text());
            s.expect(Command.SERVER_SETTINGS, 0, "v=2");
            assertThat(s.channel.isActive()).isTrue();
        }
    }

    @Test
    void wrongHashClosesAtOnceWithoutSendingAndCountsTheFailure() {
        try (EmbeddedServer s = new EmbeddedServer("")) {
            s.write(preamble("wrong", 30));
            assertThat(s.channel.isActive()).isFalse();
            s.expectNothing();
            assertThat(s.context.registry().get("anytls4j.anytls.server.auth.failures").tag("cause", "bad-hash")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void partialHashWaitsUntilTheAuthTimeoutThenCloses() {
        try (EmbeddedServer s = new EmbeddedServer("auth_timeout = 5s")) {
            s.write(new byte[31]); // not even a whole hash: never decided early, whatever its content
            s.channel.advanceTimeBy(4999, TimeUnit.MILLISECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            s.channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isFalse();
            s.expectNothing();
            assertThat(s.context.registry().get("anytls4j.anytls.server.auth.failures").tag("cause", "timeout")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void secondUserAuthenticates() {
        try (EmbeddedServer s = new EmbeddedServer(
                "users = [ { name = a, password = one }, { name = b, password = two } ]")) {
            s.write(concat(preamble("two", 0), settings("v=2")));
            s.expect(Command.UPDATE_PADDING_SCHEME, 0, null);
            s.expect(Command.SERVER_SETTINGS, 0, "v=2");
        }
    }

    @Test
    void configuredSchemeIsPushedVerbatimWhenTheMd5IsMissingOrDifferent() {
        try (EmbeddedServer s = new EmbeddedServer("padding_scheme = [ \"stop=2\", \"0=10-10\", \"1=50-60\" ]")) {
            s.write(concat(preamble(ServerHarness.PASSWORD, 10), settings("v=1")));
            s.expect(Command.UPDATE_PADDING_SCHEME, 0, "stop=2\n0=10-10\n1=50-60");
            s.expectNothing(); // v1: no ServerSettings
        }
    }

    @Test
    void versionFollowsGoAtoi() {
        for (String v : new String[] {"+2", "3", "02"}) {
            try (EmbeddedServer s = new EmbeddedServer("")) {
                s.write(concat(preamble(ServerHarness.PASSWORD, 0),
                        settings("padding-md5=" + PaddingScheme.DEFAULT.md5Hex() + "\nv=" + v)));
                s.expect(Command.SERVER_SETTINGS, 0, "v=2");
            }
        }
        for (String v : new String[] {"2\r", " 2", "1", "two", ""}) {
            try (EmbeddedServer s = new EmbeddedServer("")) {
                s.write(concat(preamble(ServerHarness.PASSWORD, 0),
                        settings("padding-md5=" + PaddingScheme.DEFAULT.md5Hex() + "\nv=" + v)));
                s.expectNothing();
            }
        }
    }

    @Test
    void zeroLengthSettingsDoesNotCountSoSynGetsTheAlert() {
        try (EmbeddedServer s = new EmbeddedServer("")) {
            s.write(concat(preamble(ServerHarness.PASSWORD, 0), frame(Command.SETTINGS, 0), frame(Command.SYN, 1)));
            s.expect(Command.ALERT, 0, "client did not send its settings");
            s.expectNothing();
            assertThat(s.channel.isActive()).isFalse();
        }
    }

    @Test
    void addressSplitAcrossPshFramesAndSharingOneWithPayload() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            byte[] address = {3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 1, (byte) 0xbb};
            s.write(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, Arrays.copyOfRange(address, 0, 4))));
            assertThat(s.opens).isEmpty();
            s.write(frame(Command.PSH, 1, concat(Arrays.copyOfRange(address, 4, address.length), HELLO)));
            assertThat(s.opens).singleElement().extracting(EmbeddedServer.Open::destination)
                    .isEqualTo(new Destination("example.com", 443));
            s.expectNothing(); // no SYNACK before the target is connected
            EmbeddedChannel target = new EmbeddedChannel();
            s.opens.get(0).future().complete(target);
            s.expect(Command.SYNACK, 1, "");
            assertThat(readAll(target)).isEqualTo("hello");
            target.finishAndReleaseAll();
        }
    }

    @Test
    void unknownAddressTypeClosesTheStreamWithFinAndNoSynack() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.write(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, new byte[] {9, 1, 2, 3})));
            s.expect(Command.FIN, 1, "");
            s.expectNothing();
            assertThat(s.opens).isEmpty();
            assertThat(s.channel.isActive()).isTrue();
        }
    }

    @Test
    void dialFailureAnswersSynackTextThenFinAndTheSessionStaysUsable() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.write(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, ipv4(9))));
            s.opens.get(0).future().completeExceptionally(
                    new ConnectException("Connection refused: /127.0.0.1:9"));
            s.expect(Command.SYNACK, 1, "dial tcp 127.0.0.1:9: connect: connection refused");
            s.expect(Command.FIN, 1, "");
            s.write(frame(Command.HEART_REQUEST, 3));
            s.expect(Command.HEART_RESPONSE, 3, "");
        }
    }

    @Test
    void synForAnOpenIdIsIgnored() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.write(concat(frame(Command.SYN, 1), frame(Command.SYN, 1), frame(Command.PSH, 1, ipv4(80))));
            assertThat(s.opens).hasSize(1);
            s.expectNothing();
        }
    }

    @Test
    void streamsBeyondTheLimitAreRefusedWithSynackAndFinForV2() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("max_streams_per_session = 1")) {
            s.write(concat(frame(Command.SYN, 1), frame(Command.SYN, 2)));
            s.expect(Command.SYNACK, 2, "too many streams on this session: max_streams_per_session 1 reached");
            s.expect(Command.FIN, 2, "");
            s.write(frame(Command.FIN, 1));
            s.write(frame(Command.SYN, 3)); // a slot is free again
            s.expectNothing();
        }
    }

    @Test
    void streamsBeyondTheLimitAreRefusedWithFinOnlyForV1() {
        try (EmbeddedServer s = new EmbeddedServer("max_streams_per_session = 1")) {
            s.write(concat(preamble(ServerHarness.PASSWORD, 0),
                    settings("v=1\npadding-md5=" + PaddingScheme.DEFAULT.md5Hex()),
                    frame(Command.SYN, 1), frame(Command.SYN, 2)));
            s.expect(Command.FIN, 2, "");
            s.expectNothing();
        }
    }

    @Test
    void finFromClientClosesTheTargetAfterItsDataAndIsNotAnswered() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            EmbeddedChannel target = openStream(s, 1);
            s.write(concat(frame(Command.PSH, 1, HELLO), frame(Command.FIN, 1)));
            assertThat(readAll(target)).isEqualTo("hello");
            assertThat(target.isOpen()).isFalse();
            s.expectNothing();
            s.write(frame(Command.FIN, 1)); // a FIN for a closed stream is ignored
            s.write(frame(Command.PSH, 1, HELLO)); // and so is its data
            s.expectNothing();
            target.finishAndReleaseAll();
        }
    }

    @Test
    void finWhileTheTargetIsConnectingDeliversTheQueuedDataThenCloses() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.write(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, concat(ipv4(80), HELLO)),
                    frame(Command.FIN, 1)));
            EmbeddedChannel target = new EmbeddedChannel();
            s.opens.get(0).future().complete(target);
            assertThat(readAll(target)).isEqualTo("hello");
            assertThat(target.isOpen()).isFalse();
            s.expectNothing();
            target.finishAndReleaseAll();
        }
    }

    @Test
    void targetEofSendsFinAfterItsData() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            EmbeddedChannel target = openStream(s, 1);
            target.writeInbound(Unpooled.wrappedBuffer(HELLO));
            target.close();
            s.expect(Command.PSH, 1, "hello");
            s.expect(Command.FIN, 1, "");
            target.finishAndReleaseAll();
        }
    }

    @Test
    void targetDataLongerThanOneFrameIsSplit() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            EmbeddedChannel target = openStream(s, 1);
            byte[] big = new byte[Frame.MAX_DATA_LENGTH + 1000];
            Arrays.fill(big, (byte) 7);
            target.writeInbound(Unpooled.wrappedBuffer(big));
            Frame first = s.next();
            Frame second = s.next();
            try {
                assertThat(first.data().readableBytes()).isEqualTo(Frame.MAX_DATA_LENGTH);
                assertThat(second.data().readableBytes()).isEqualTo(1000);
                assertThat(first.command()).isEqualTo(Command.PSH);
                assertThat(second.streamId()).isEqualTo(1);
            } finally {
                first.release();
                second.release();
            }
            target.finishAndReleaseAll();
        }
    }

    @Test
    void heartRequestIsAnsweredOnAnyIdAndWasteUnknownAndStrayFramesAreIgnored() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.write(concat(frame(Command.WASTE, 0, new byte[50]), frame(11, 0), frame(200, 3, HELLO),
                    frame(Command.PSH, 99, HELLO), frame(Command.FIN, 98), frame(Command.SYNACK, 1),
                    frame(Command.SERVER_SETTINGS, 0, "v=2".getBytes(StandardCharsets.US_ASCII)),
                    frame(Command.HEART_RESPONSE, 0), frame(Command.HEART_REQUEST, 0xFFFF_FFFFL)));
            s.expect(Command.HEART_RESPONSE, 0xFFFF_FFFFL, "");
            s.expectNothing();
            assertThat(s.channel.isActive()).isTrue();
        }
    }

    @Test
    void alertWithTextEndsTheSessionButAnEmptyOneDoesNot() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            EmbeddedChannel target = openStream(s, 1);
            s.write(frame(Command.ALERT, 0));
            assertThat(s.channel.isActive()).isTrue();
            s.write(frame(Command.ALERT, 0, "bye".getBytes(StandardCharsets.US_ASCII)));
            assertThat(s.channel.isActive()).isFalse();
            assertThat(target.isOpen()).as("streams close with the session").isFalse();
            s.expectNothing(); // no FIN frames when a session closes
            target.finishAndReleaseAll();
        }
    }

    @Test
    void idleSessionIsClosedAfterTheTimeoutOnlyWithoutStreams() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("session_idle_timeout = 30s")) {
            EmbeddedChannel target = openStream(s, 1);
            s.channel.advanceTimeBy(60, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).as("a session with a stream is not idle").isTrue();
            s.write(frame(Command.FIN, 1));
            s.channel.advanceTimeBy(29, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            s.write(frame(Command.HEART_REQUEST, 0)); // traffic resets the clock
            s.channel.advanceTimeBy(29, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            s.channel.advanceTimeBy(1, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isFalse();
            target.finishAndReleaseAll();
        }
    }

    @Test
    void closingSessionThatCannotFlushIsClosedAfterTheDeadline() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                @Override
                public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                    // a peer that stopped reading: nothing ever leaves
                }
            });
            s.write(frame(Command.ALERT, 0, "bye".getBytes(StandardCharsets.US_ASCII)));
            assertThat(s.channel.isOpen()).isTrue();
            s.channel.advanceTimeBy(ServerSession.CLOSE_FLUSH_DEADLINE_SECONDS, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isOpen()).isFalse();
        }
    }

    @Test
    void idleTimeoutOffByDefault() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            s.channel.advanceTimeBy(365, TimeUnit.DAYS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
        }
    }

    @Test
    void clientDataBeyondThePendingBoundPausesTheSessionUntilItDrains() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("stream_pending_bytes = 65536")) {
            s.write(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, ipv4(80))));
            byte[] chunk = new byte[40_000];
            s.write(frame(Command.PSH, 1, chunk));
            assertThat(s.channel.config().isAutoRead()).isTrue();
            s.write(frame(Command.PSH, 1, chunk)); // 80000 queued while connecting: over the bound
            assertThat(s.channel.config().isAutoRead()).isFalse();
            EmbeddedChannel target = new EmbeddedChannel();
            s.opens.get(0).future().complete(target); // written and flushed: drained
            assertThat(s.channel.config().isAutoRead()).isTrue();
            assertThat(readAll(target)).hasSize(80_000);
            target.finishAndReleaseAll();
        }
    }

    @Test
    void metricsCountSessionsStreamsAndBytes() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            EmbeddedChannel target = openStream(s, 1);
            s.write(frame(Command.PSH, 1, HELLO));
            target.writeInbound(Unpooled.wrappedBuffer(new byte[3]));
            var registry = s.context.registry();
            assertThat(registry.get("anytls4j.anytls.server.sessions.open").gauge().value()).isEqualTo(1);
            assertThat(registry.get("anytls4j.anytls.server.streams.open").gauge().value()).isEqualTo(1);
            assertThat(registry.get("anytls4j.anytls.server.bytes").tag("direction", "in").counter().count())
                    .isEqualTo(7 + 5); // the address is stream payload too
            assertThat(registry.get("anytls4j.anytls.server.bytes").tag("direction", "out").counter().count())
                    .isEqualTo(3);
            s.write(frame(Command.FIN, 1));
            assertThat(registry.get("anytls4j.anytls.server.streams.open").gauge().value()).isZero();
            s.channel.close();
            assertThat(registry.get("anytls4j.anytls.server.sessions.open").gauge().value()).isZero();
            target.finishAndReleaseAll();
        }
    }

    @Test
    void heartRequestsGetOneQueuedResponseAtATime() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            byte[] many = new byte[0];
            for (int i = 0; i < 100; i++) {
                many = concat(many, frame(Command.HEART_REQUEST, i));
            }
            s.write(many); // one read batch: the first response is still queued when the others arrive
            s.expect(Command.HEART_RESPONSE, 0, "");
            s.expectNothing();
            s.write(frame(Command.HEART_REQUEST, 7)); // the previous one left: answered again
            s.expect(Command.HEART_RESPONSE, 7, "");
            assertThat(s.context.registry().get("anytls4j.anytls.server.replies.dropped").counter().count())
                    .isEqualTo(99);
        }
    }

    @Test
    void settingsRepeatedGetThePaddingSchemeAndServerSettingsOnce() {
        try (EmbeddedServer s = new EmbeddedServer("")) {
            s.write(concat(preamble(ServerHarness.PASSWORD, 0), settings("v=2"), settings("v=2\npadding-md5=x"),
                    settings("v=2")));
            s.expect(Command.UPDATE_PADDING_SCHEME, 0, PaddingScheme.DEFAULT.text());
            s.expect(Command.SERVER_SETTINGS, 0, "v=2");
            s.expectNothing();
        }
    }

    @Test
    void aClientThatDoesNotReadStopsTheSessionReadingThenGetsItClosed() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("max_streams_per_session = 1,"
                + " session_pending_bytes = 128KiB, session_write_stall_timeout = 30s")) {
            s.channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                @Override
                public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                    // a peer that stopped reading: nothing ever leaves
                }
            });
            byte[] syns = new byte[0];
            for (int i = 1; i <= 5000; i++) {
                syns = concat(syns, frame(Command.SYN, i));
            }
            s.write(syns); // each refused SYN costs a SYNACK with a text and a FIN: ~12 times what it took
            long queued = s.channel.unsafe().outboundBuffer().totalPendingWriteBytes();
            assertThat(s.channel.config().isAutoRead()).as("reading stopped").isFalse();
            assertThat(queued).isBetween(128L << 10, (128L << 10) + 1024);
            double refused = s.context.registry().get("anytls4j.anytls.server.streams.refused").counter().count();
            assertThat(refused).as("the rest of the batch waits, unanswered").isLessThan(5000);
            assertThat(s.context.registry().get("anytls4j.anytls.server.pending.bytes").gauge().value())
                    .isEqualTo(queued);
            s.channel.advanceTimeBy(29, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            s.channel.advanceTimeBy(1, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.context.registry().get("anytls4j.anytls.server.sessions.timed.out")
                    .tag("cause", "write-stall").counter().count()).as("closed: nothing drained for 30s")
                    .isEqualTo(1);
            assertThat(s.context.registry().get("anytls4j.anytls.server.pending.bytes").gauge().value()).isZero();
            assertThat(s.channel.isOpen()).as("reset at once: its last frames could not leave anyway").isFalse();
        }
    }

    @Test
    void aFrameStalledHalfWayIsClosedAfterTheFrameReadTimeoutButSilenceBetweenFramesIsNot() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("frame_read_timeout = 60s")) {
            s.write(frame(Command.HEART_REQUEST, 1));
            s.expect(Command.HEART_RESPONSE, 1, "");
            s.channel.advanceTimeBy(2, TimeUnit.HOURS); // silent between frames: fine
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            byte[] partial = new byte[7 + 100];
            partial[0] = (byte) Command.PSH;
            partial[4] = 1;
            partial[5] = (byte) 0xFF;
            partial[6] = (byte) 0xFF; // announces 65535 bytes, 100 follow
            s.write(partial);
            s.channel.advanceTimeBy(59, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            s.channel.advanceTimeBy(1, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isFalse();
            assertThat(s.context.registry().get("anytls4j.anytls.server.sessions.timed.out")
                    .tag("cause", "frame-read-timeout").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void pshDataReachesTheTargetAsItArrivesAndCountsOnceWhileAFrameForAnUnknownIdIsDiscardedWhole() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("")) {
            EmbeddedChannel target = openStream(s, 1);
            byte[] data = new byte[3000];
            Arrays.fill(data, (byte) 'x');
            byte[] wire = frame(Command.PSH, 1, data);
            s.write(Arrays.copyOf(wire, 7 + 1000));
            assertThat(readAll(target)).hasSize(1000); // not waiting for the frame's last byte
            s.write(Arrays.copyOfRange(wire, 7 + 1000, 7 + 2000));
            s.write(Arrays.copyOfRange(wire, 7 + 2000, wire.length));
            assertThat(readAll(target)).hasSize(2000);
            byte[] stray = frame(Command.PSH, 99, data);
            s.write(Arrays.copyOf(stray, 1500));
            s.write(Arrays.copyOfRange(stray, 1500, stray.length));
            s.write(frame(Command.HEART_REQUEST, 5)); // still in sync after the discarded frame
            s.expect(Command.HEART_RESPONSE, 5, "");
            assertThat(readAll(target)).isEmpty();
            assertThat(s.context.registry().get("anytls4j.anytls.server.bytes").tag("direction", "in").counter()
                    .count()).isEqualTo(7 + 3000); // the address, then the stream's data, each byte once
            assertThat(s.channel.isActive()).isTrue();
            target.finishAndReleaseAll();
        }
    }

    @Test
    void aPshFrameTrickledInPiecesIsTimedFromItsStartNotFromItsLastPiece() {
        try (EmbeddedServer s = EmbeddedServer.authenticatedV2("frame_read_timeout = 60s")) {
            EmbeddedChannel target = openStream(s, 1);
            byte[] wire = frame(Command.PSH, 1, new byte[Frame.MAX_DATA_LENGTH]);
            s.write(Arrays.copyOf(wire, 7 + 100));
            s.channel.advanceTimeBy(40, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            s.write(Arrays.copyOfRange(wire, 7 + 100, 7 + 200)); // data flows, the frame is still not whole
            s.channel.advanceTimeBy(19, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isTrue();
            assertThat(readAll(target)).hasSize(200);
            s.channel.advanceTimeBy(1, TimeUnit.SECONDS);
            s.channel.runPendingTasks();
            assertThat(s.channel.isActive()).isFalse();
            assertThat(s.context.registry().get("anytls4j.anytls.server.sessions.timed.out")
                    .tag("cause", "frame-read-timeout").counter().count()).isEqualTo(1);
            target.finishAndReleaseAll();
        }
    }

    /** SYN + address of 127.0.0.1:80 for {@code sid}; completes the open with an EmbeddedChannel. */
    private static EmbeddedChannel openStream(EmbeddedServer s, long sid) {
        int before = s.opens.size();
        s.write(concat(frame(Command.SYN, sid), frame(Command.PSH, sid, ipv4(80))));
        EmbeddedChannel target = new EmbeddedChannel();
        s.opens.get(before).future().complete(target);
        s.expect(Command.SYNACK, sid, "");
        return target;
    }

    private static String readAll(EmbeddedChannel target) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = target.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }
}
