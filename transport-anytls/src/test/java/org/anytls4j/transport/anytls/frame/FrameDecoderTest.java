package org.anytls4j.transport.anytls.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frame decoder: PSH data comes out as it arrives, in slices of the input (no copy), every other frame whole;
 * hold/release, {@link FrameDecoder#inFrame()}, one frame per decode call.
 */
class FrameDecoderTest {
    private static final int RECORD = 16 * 1024;

    private final FrameDecoder decoder = new FrameDecoder();
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder);
    private final List<ByteBuf> inputs = new ArrayList<>();

    @AfterEach
    void tearDown() {
        assertThat(channel.finishAndReleaseAll()).as("frames left unread").isFalse();
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffer released").isZero();
        }
    }

    @Test
    void aMaximalPshFrameInRecordSizedReadsComesOutPieceByPieceSlicedFromTheReads() {
        byte[] payload = random(Frame.MAX_DATA_LENGTH);
        byte[] wire = frame(Command.PSH, 7, payload);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int pieces = 0;
        for (int at = 0; at < wire.length; at += RECORD) {
            ByteBuf in = feed(Arrays.copyOfRange(wire, at, Math.min(wire.length, at + RECORD)));
            byte[] array = in.array();
            Frame piece = channel.readInbound();
            assertThat(piece).as("a piece from the read at %d", at).isNotNull();
            try {
                assertThat((Object) channel.readInbound()).as("one piece per read").isNull();
                assertThat(piece.command()).isEqualTo(Command.PSH);
                assertThat(piece.streamId()).isEqualTo(7);
                assertThat(piece.frameLength()).isEqualTo(Frame.MAX_DATA_LENGTH);
                assertThat(piece.startsFrame()).isEqualTo(at == 0);
                assertThat(piece.endsFrame()).isEqualTo(at + RECORD >= wire.length);
                assertThat(piece.data().readableBytes()).isEqualTo(Math.min(wire.length, at + RECORD) - at
                        - (at == 0 ? Frame.HEADER_LENGTH : 0));
                assertThat(piece.data().hasArray()).isTrue();
                assertThat(piece.data().array()).as("no copy: the piece is a slice of the read").isSameAs(array);
                data.writeBytes(ByteBufUtil.getBytes(piece.data()));
                pieces++;
            } finally {
                piece.release();
            }
            assertThat(decoder.inFrame()).isEqualTo(at + RECORD < wire.length);
        }
        assertThat(pieces).isEqualTo(5); // 65542 bytes in reads of 16384
        assertThat(data.toByteArray()).isEqualTo(payload);
    }

    @Test
    void aPshHeaderSplitAcrossReadsWaitsForItsLastByteThenTheDataFlows() {
        byte[] wire = frame(Command.PSH, 3, text("0123456789abcdefghij"));
        feed(Arrays.copyOfRange(wire, 0, 3));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(decoder.inFrame()).isTrue();
        feed(Arrays.copyOfRange(wire, 3, Frame.HEADER_LENGTH)); // the header whole, no data yet
        assertThat((Object) channel.readInbound()).as("no empty piece").isNull();
        assertThat(decoder.inFrame()).as("inside the frame with nothing buffered").isTrue();
        feed(Arrays.copyOfRange(wire, Frame.HEADER_LENGTH, Frame.HEADER_LENGTH + 10));
        expectPiece(Command.PSH, 3, "0123456789", true, false);
        assertThat(decoder.inFrame()).isTrue();
        feed(Arrays.copyOfRange(wire, Frame.HEADER_LENGTH + 10, wire.length));
        expectPiece(Command.PSH, 3, "abcdefghij", false, true);
        assertThat(decoder.inFrame()).isFalse();
    }

    @Test
    void framesAfterAPshInTheSameReadComeOutWholeAndInOrder() {
        byte[] psh = frame(Command.PSH, 1, random(100));
        byte[] rest = concat(Arrays.copyOfRange(psh, Frame.HEADER_LENGTH + 60, psh.length), frame(Command.SYN, 2),
                frame(Command.SETTINGS, 0, text("v=2\nclient=test")), frame(Command.PSH, 2, text("hi")));
        int settingsEnd = rest.length - frame(Command.PSH, 2, text("hi")).length;
        feed(Arrays.copyOf(psh, Frame.HEADER_LENGTH + 60));
        expectPiece(Command.PSH, 1, null, true, false);
        feed(Arrays.copyOf(rest, settingsEnd - 5)); // the rest of the PSH, SYN, and Settings but its last 5 bytes
        expectPiece(Command.PSH, 1, null, false, true);
        expectPiece(Command.SYN, 2, "", true, true);
        assertThat((Object) channel.readInbound()).as("Settings only whole").isNull();
        assertThat(decoder.inFrame()).isTrue();
        feed(Arrays.copyOfRange(rest, settingsEnd - 5, rest.length));
        expectPiece(Command.SETTINGS, 0, "v=2\nclient=test", true, true);
        expectPiece(Command.PSH, 2, "hi", true, true);
        assertThat(decoder.inFrame()).isFalse();
    }

    @Test
    void everyOtherCommandSplitAcrossReadsIsEmittedOnlyWhole() {
        int[] commands = {Command.WASTE, Command.SYN, Command.FIN, Command.SETTINGS, Command.ALERT,
            Command.UPDATE_PADDING_SCHEME, Command.SYNACK, Command.HEART_REQUEST, Command.HEART_RESPONSE,
            Command.SERVER_SETTINGS, 11, 200, 255};
        for (int command : commands) {
            byte[] data = random(40_000);
            byte[] wire = frame(command, 9, data);
            for (int at = 0; at < wire.length; at += RECORD) {
                assertThat((Object) channel.readInbound()).as("%s before its last byte", Command.name(command))
                        .isNull();
                feed(Arrays.copyOfRange(wire, at, Math.min(wire.length, at + RECORD)));
            }
            Frame whole = channel.readInbound();
            try {
                assertThat(whole.command()).isEqualTo(command);
                assertThat(whole.streamId()).isEqualTo(9);
                assertThat(whole.startsFrame() && whole.endsFrame()).isTrue();
                assertThat(ByteBufUtil.getBytes(whole.data())).isEqualTo(data);
            } finally {
                whole.release();
            }
            assertThat(decoder.inFrame()).isFalse();
        }
    }

    @Test
    void anUnknownCommandsDataSpanningReadsIsSkippedWholeAndTheStreamStaysInSync() {
        byte[] wire = concat(frame(77, 5, random(3000)), frame(Command.PSH, 5, text("after")));
        feed(Arrays.copyOf(wire, 1000));
        feed(Arrays.copyOfRange(wire, 1000, 2000));
        assertThat((Object) channel.readInbound()).isNull();
        feed(Arrays.copyOfRange(wire, 2000, wire.length));
        Frame unknown = channel.readInbound();
        try {
            assertThat(unknown.command()).isEqualTo(77);
            assertThat(unknown.data().readableBytes()).isEqualTo(3000);
        } finally {
            unknown.release();
        }
        expectPiece(Command.PSH, 5, "after", true, true);
    }

    @Test
    void anEmptyPshIsOneEmptyFrameAsBefore() {
        feed(concat(frame(Command.PSH, 4, new byte[0]), frame(Command.FIN, 4)));
        expectPiece(Command.PSH, 4, "", true, true);
        expectPiece(Command.FIN, 4, "", true, true);
        byte[] empty = frame(Command.PSH, 6, new byte[0]);
        feed(Arrays.copyOf(empty, 4));
        assertThat((Object) channel.readInbound()).isNull();
        feed(Arrays.copyOfRange(empty, 4, empty.length));
        expectPiece(Command.PSH, 6, "", true, true);
        assertThat(decoder.inFrame()).isFalse();
    }

    @Test
    void heldInTheMiddleOfAPshFrameNothingComesOutUntilReleased() throws Exception {
        byte[] wire = concat(frame(Command.PSH, 1, text("first-second-third")), frame(Command.FIN, 1));
        feed(Arrays.copyOf(wire, Frame.HEADER_LENGTH + 6));
        expectPiece(Command.PSH, 1, "first-", true, false);
        decoder.hold(true);
        feed(Arrays.copyOfRange(wire, Frame.HEADER_LENGTH + 6, Frame.HEADER_LENGTH + 13));
        feed(Arrays.copyOfRange(wire, Frame.HEADER_LENGTH + 13, wire.length));
        assertThat((Object) channel.readInbound()).as("a piece emitted while held").isNull();
        assertThat(decoder.inFrame()).isTrue();
        decoder.release(channel.pipeline().context(decoder));
        expectPiece(Command.PSH, 1, "second-third", false, true); // what was buffered meanwhile, as one piece
        expectPiece(Command.FIN, 1, "", true, true);
        assertThat(decoder.inFrame()).isFalse();
    }

    @Test
    void heldAtAFrameBoundaryThePshDataReadMeanwhileWaitsToo() throws Exception {
        decoder.hold(true);
        feed(frame(Command.PSH, 2, text("abc")));
        assertThat((Object) channel.readInbound()).isNull();
        decoder.release(channel.pipeline().context(decoder));
        expectPiece(Command.PSH, 2, "abc", true, true);
    }

    @Test
    void framesComeOutOnePerDecodeCallEachReleasedBeforeTheNextIsSliced() {
        List<Integer> refCountsSeen = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                Frame f = (Frame) msg;
                refCountsSeen.add(f.data().refCnt());
                f.release();
            }
        });
        ByteBuf in = Unpooled.buffer().writeBytes(concat(frame(Command.PSH, 1, text("a")),
                frame(Command.PSH, 1, text("b")), frame(Command.SYN, 3)));
        ch.writeInbound(in);
        // the input's own reference and the one frame alive: never two frames' at once
        assertThat(refCountsSeen).hasSize(3).allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(2));
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(in.refCnt()).isZero();
    }

    private ByteBuf feed(byte[] bytes) {
        ByteBuf in = Unpooled.buffer(bytes.length).writeBytes(bytes);
        inputs.add(in);
        channel.writeInbound(in);
        return in;
    }

    /** Reads the next frame, checks it ({@code text} null: any data) and releases it. */
    private void expectPiece(int command, long sid, String text, boolean starts, boolean ends) {
        Frame f = channel.readInbound();
        assertThat(f).as("a frame %s sid=%d", Command.name(command), sid).isNotNull();
        try {
            assertThat(Command.name(f.command()) + " sid=" + f.streamId() + " starts=" + f.startsFrame() + " ends="
                    + f.endsFrame()).isEqualTo(Command.name(command) + " sid=" + sid + " starts=" + starts
                    + " ends=" + ends);
            if (text != null) {
                assertThat(f.data().toString(StandardCharsets.UTF_8)).isEqualTo(text);
            }
        } finally {
            f.release();
        }
    }

    private static byte[] frame(int command, long sid, byte[] data) {
        ByteBuf out = Unpooled.buffer();
        try {
            FrameEncoder.writeHeader(out, command, sid, data.length);
            out.writeBytes(data);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    private static byte[] frame(int command, long sid) {
        return frame(command, sid, new byte[0]);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
