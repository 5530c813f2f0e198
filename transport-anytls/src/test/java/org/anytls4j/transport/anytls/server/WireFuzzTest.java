package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.anytls4j.api.Destination;
import org.anytls4j.core.relay.LeakCheck;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
import org.anytls4j.transport.anytls.frame.KeyValueText;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.tools.AnytlsUri;
import org.anytls4j.transport.anytls.uot.UotAddress;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Coverage-guided fuzz tests (Jazzer) of the wire parsers a peer or a pasted link feeds. In the normal build each
 * replays its committed inputs ({@code src/test/resources/.../WireFuzzTestInputs/<method>/}) in seconds; with
 * {@code JAZZER_FUZZ=1} and {@code -Dtest='WireFuzzTest#<method>'} it fuzzes for the annotation's bound and keeps
 * what it finds in {@code .cifuzz-corpus/} (docs/RELIABILITY.md, "Fuzzing"). Each asserts the parser's contract,
 * not only that it does not throw; every input buffer is checked released, and {@link LeakCheck} fails the class
 * on any leak the paranoid detector reports. The jqwik {@link WireFuzzTargets} stay as the quick random run.
 */
@ExtendWith(LeakCheck.class)
class WireFuzzTest {
    /** The bound of one fuzzing run: 10 M executions or 5 minutes, whichever comes first. */
    private static final String DURATION = "5m";
    private static final long EXECUTIONS = 10_000_000L;

    private static final byte[] HASH = RawTlsClient.sha256(ServerHarness.PASSWORD);

    /**
     * The frame decoder, fed in pieces and held/released at random: what it emits is exactly a prefix of its input
     * cut at frame boundaries (header + data, never more than 65,535 data bytes), or inside the data of a PSH frame
     * whose header and data so far it emitted (in pieces, in order); what is left is less than one whole frame and
     * no complete PSH header, and every input buffer ends released.
     */
    @FuzzTest(maxDuration = DURATION, maxExecutions = EXECUTIONS)
    void frameDecoder(FuzzedDataProvider data) throws Exception {
        int cuts = data.consumeInt(0, 16);
        int[] pieces = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            pieces[i] = data.consumeInt(0, 300);
        }
        long holds = data.consumeLong();
        byte[] bytes = data.consumeRemainingAsBytes();

        FrameDecoder decoder = new FrameDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<ByteBuf> inputs = new ArrayList<>();
        ByteBuf emitted = Unpooled.buffer();
        int[] pshLeft = {0}; // data bytes of the PSH frame being emitted in pieces still to come
        try {
            int at = 0;
            for (int i = 0; at < bytes.length; i++) {
                int piece = i < cuts ? Math.min(pieces[i], bytes.length - at) : bytes.length - at;
                boolean hold = (holds >>> (i % 64) & 1) == 1;
                decoder.hold(hold);
                ByteBuf in = Unpooled.buffer(piece).writeBytes(bytes, at, piece); // a real buffer even when empty
                inputs.add(in);
                channel.writeInbound(in);
                at += piece;
                if (hold) {
                    assertThat((Object) channel.readInbound()).as("a frame emitted while held").isNull();
                    decoder.release(channel.pipeline().context(decoder));
                }
                drainFrames(channel, emitted, pshLeft);
            }
            assertThat(ByteBufUtil.getBytes(emitted))
                    .as("emitted frames re-encoded are the input's prefix")
                    .isEqualTo(Arrays.copyOf(bytes, emitted.readableBytes()));
            int left = bytes.length - emitted.readableBytes();
            boolean inPsh = pshLeft[0] > 0;
            assertThat(decoder.inFrame()).isEqualTo(left > 0 || inPsh);
            if (inPsh) {
                assertThat(left).as("PSH data left unemitted").isZero();
            } else if (left >= Frame.HEADER_LENGTH) {
                int declared = (bytes[emitted.readableBytes() + 5] & 0xFF) << 8
                        | bytes[emitted.readableBytes() + 6] & 0xFF;
                assertThat(left).as("a whole frame left undecoded").isLessThan(Frame.HEADER_LENGTH + declared);
                assertThat(bytes[emitted.readableBytes()]).as("a PSH header left undecoded")
                        .isNotEqualTo((byte) Command.PSH);
            }
        } finally {
            channel.finishAndReleaseAll();
            emitted.release();
        }
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffer released").isZero();
        }
    }

    /** Re-encodes the emitted frames into {@code emitted}: a header for each frame or first piece, then data. */
    private static void drainFrames(EmbeddedChannel channel, ByteBuf emitted, int[] pshLeft) throws Exception {
        Frame frame;
        while ((frame = channel.readInbound()) != null) {
            try {
                int length = frame.data().readableBytes();
                assertThat(length).isLessThanOrEqualTo(Frame.MAX_DATA_LENGTH);
                assertThat(frame.startsFrame()).as("a first piece or whole frame only outside a PSH frame's data")
                        .isEqualTo(pshLeft[0] == 0);
                if (frame.startsFrame()) {
                    emitted.writeByte(frame.command()).writeInt((int) frame.streamId())
                            .writeShort(frame.frameLength());
                    pshLeft[0] = frame.frameLength();
                }
                if (!frame.startsFrame() || !frame.endsFrame()) {
                    assertThat(frame.command()).as("only PSH data comes in pieces").isEqualTo(Command.PSH);
                    assertThat(length).as("no empty piece").isPositive();
                }
                pshLeft[0] -= length;
                assertThat(frame.endsFrame()).isEqualTo(pshLeft[0] == 0);
                emitted.writeBytes(frame.data(), frame.data().readerIndex(), length);
            } finally {
                frame.release();
            }
        }
    }

    /**
     * A server connection after TLS (authentication preamble, then frames: Settings, SYN, PSH, heart, Alert...)
     * fed in pieces; with the first input bit the right password hash is put in front, so the session behind the
     * preamble is reached. Nothing escapes the pipeline; every input buffer ends released.
     */
    @FuzzTest(maxDuration = DURATION, maxExecutions = EXECUTIONS)
    void authPreamble(FuzzedDataProvider data) {
        boolean authenticated = data.consumeBoolean();
        int cuts = data.consumeInt(0, 8);
        int[] pieces = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            pieces[i] = data.consumeInt(1, 200);
        }
        byte[] tail = data.consumeRemainingAsBytes();
        byte[] bytes = authenticated ? RawTlsClient.concat(HASH, tail) : tail;
        List<ByteBuf> inputs = new ArrayList<>();
        try (EmbeddedServer server = new EmbeddedServer("")) {
            int at = 0;
            for (int i = 0; at < bytes.length && server.channel.isOpen(); i++) {
                int piece = i < cuts ? Math.min(pieces[i], bytes.length - at) : bytes.length - at;
                ByteBuf in = Unpooled.buffer(piece).writeBytes(bytes, at, piece); // a real buffer even when empty
                inputs.add(in);
                server.channel.writeInbound(in);
                at += piece;
                server.channel.runPendingTasks();
                server.channel.checkException();
            }
        }
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffer released").isZero();
        }
    }

    /** Settings (and scheme) text: any bytes parse into keys free of '=' and newlines; the map round-trips. */
    @FuzzTest(maxDuration = DURATION, maxExecutions = EXECUTIONS)
    void settingsText(byte[] bytes) {
        Map<String, String> map = KeyValueText.parse(bytes);
        for (Map.Entry<String, String> e : map.entrySet()) {
            assertThat(e.getKey()).doesNotContain("=").doesNotContain("\n");
            assertThat(e.getValue()).doesNotContain("\n");
        }
        assertThat(KeyValueText.parse(KeyValueText.format(map))).isEqualTo(map);
        for (String value : map.values()) {
            Integer n = KeyValueText.parseGoInt(value);
            if (n != null) {
                assertThat(KeyValueText.parseGoLong(value)).isEqualTo(n.longValue());
            }
        }
    }

    /**
     * A padding scheme as received (any bytes) and as configured (text): a scheme is accepted with its bytes kept
     * verbatim, or refused by name; a configured scheme is also accepted as received; the sizes it draws are check
     * marks or positive, and padding0 fits the u16 of the preamble.
     */
    @FuzzTest(maxDuration = DURATION, maxExecutions = EXECUTIONS)
    void paddingScheme(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        byte[] raw = data.consumeRemainingAsBytes();
        Optional<PaddingScheme> received = PaddingScheme.parseReceived(raw);
        received.ifPresent(scheme -> {
            assertThat(scheme.raw()).isEqualTo(raw);
            assertThat(scheme.stop()).isNotNegative();
            assertThat(PaddingScheme.parseReceived(scheme.raw())).contains(scheme);
            checkSizes(scheme, seed);
        });
        String text = new String(raw, StandardCharsets.UTF_8);
        PaddingScheme configured;
        try {
            configured = PaddingScheme.parseConfigured(text);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(configured.stop()).isNotNegative();
        assertThat(PaddingScheme.parseReceived(configured.raw())).as("a configured scheme, as a client receives it")
                .contains(configured);
        checkSizes(configured, seed);
    }

    private static void checkSizes(PaddingScheme scheme, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int packet = 0; packet < Math.min(scheme.stop(), 16); packet++) {
            for (int size : scheme.drawSizes(packet, random)) {
                assertThat(size == PaddingScheme.CHECK_MARK || size > 0).as("size %d of packet %d", size, packet)
                        .isTrue();
            }
        }
        assertThat(scheme.drawPadding0(random)).isBetween(0, 0xFFFF);
    }

    /**
     * A UDP-over-TCP packet address: incomplete (nothing consumed), refused by name (nothing consumed), or an
     * address that consumed exactly family + address + port.
     */
    @FuzzTest(maxDuration = DURATION, maxExecutions = EXECUTIONS)
    void uotAddress(byte[] bytes) throws UnknownHostException {
        checkUotAddress(bytes);
    }

    static void checkUotAddress(byte[] bytes) throws UnknownHostException {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            Destination destination = UotAddress.read(in);
            if (destination == null) {
                assertThat(in.readerIndex()).isZero();
                return;
            }
            int family = bytes[0];
            int expected = switch (family) {
                case UotAddress.FAMILY_IPV4 -> 1 + 4 + 2;
                case UotAddress.FAMILY_IPV6 -> 1 + 16 + 2;
                default -> 2 + (bytes[1] & 0xFF) + 2;
            };
            assertThat(in.readerIndex()).isEqualTo(expected);
            assertThat(destination.port()).isEqualTo((bytes[expected - 2] & 0xFF) << 8 | bytes[expected - 1] & 0xFF);
            if (family != UotAddress.FAMILY_DOMAIN) {
                // an IP re-encodes to the same address (an IPv4-mapped IPv6 one as the IPv4 address it maps)
                ByteBuf again = Unpooled.buffer();
                try {
                    UotAddress.write(destination, again);
                    byte[] ip = InetAddress.getByAddress(Arrays.copyOfRange(bytes, 1, expected - 2)).getAddress();
                    assertThat(ByteBufUtil.getBytes(again)).as("an IP address re-encoded")
                            .isEqualTo(RawTlsClient.concat(new byte[] {(byte) (ip.length == 4
                                    ? UotAddress.FAMILY_IPV4 : UotAddress.FAMILY_IPV6)}, ip,
                                    Arrays.copyOfRange(bytes, expected - 2, expected)));
                } finally {
                    again.release();
                }
            }
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
    }

    /** An {@code anytls://} link: parsed or refused by name; a parsed link formats to one that parses the same. */
    @FuzzTest(maxDuration = DURATION, maxExecutions = EXECUTIONS)
    void anytlsUri(FuzzedDataProvider data) {
        checkUri(data.consumeRemainingAsString());
    }

    static void checkUri(String link) {
        AnytlsUri uri;
        try {
            uri = AnytlsUri.parse(link);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(uri.port()).isBetween(0, 65535);
        assertThat(AnytlsUri.parse(uri.format())).isEqualTo(uri);
    }
}
