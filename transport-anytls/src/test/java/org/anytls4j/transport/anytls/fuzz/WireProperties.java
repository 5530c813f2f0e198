package org.anytls4j.transport.anytls.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.frame.SocksAddress;
import org.anytls4j.transport.anytls.frame.WholeFrames;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.padding.PaddingWriter;

/**
 * Properties of the wire code over generated input (jqwik): whatever bytes arrive, in whatever pieces, the
 * decoders either decode exactly what was encoded or reject it with their own exception, and the padding cutter
 * never loses, reorders or corrupts a byte of what it shapes.
 */
class WireProperties {
    record WireFrame(int command, long streamId, byte[] data) {
    }

    @Provide
    Arbitrary<WireFrame> frames() {
        return Combinators.combine(
                Arbitraries.integers().between(0, 255),
                Arbitraries.longs().between(0, 0xFFFF_FFFFL),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                .as(WireFrame::new);
    }

    /**
     * Any frames, cut into any pieces, come out of the decoder as they went in: commands, ids and data (PSH data
     * in pieces in order, which {@link WholeFrames} joins and checks).
     */
    @Property(tries = 300)
    void theFrameDecoderReassemblesFramesFromAnyPieces(@ForAll("framesList") List<WireFrame> frames,
                                                       @ForAll Random random) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (WireFrame f : frames) {
            ByteBuf out = Unpooled.buffer();
            FrameEncoder.writeHeader(out, f.command(), f.streamId(), f.data().length);
            out.writeBytes(f.data());
            wire.writeBytes(ByteBufUtil.getBytes(out));
            out.release();
        }
        byte[] bytes = wire.toByteArray();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(), new WholeFrames());
        int at = 0;
        while (at < bytes.length) {
            int piece = 1 + random.nextInt(Math.min(64, bytes.length - at));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, piece));
            at += piece;
        }
        List<WireFrame> decoded = new ArrayList<>();
        Frame frame;
        while ((frame = channel.readInbound()) != null) {
            decoded.add(new WireFrame(frame.command(), frame.streamId(), ByteBufUtil.getBytes(frame.data())));
            frame.release();
        }
        assertThat(channel.finish()).isFalse();
        assertThat(decoded).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(frames);
    }

    @Provide
    Arbitrary<List<WireFrame>> framesList() {
        return frames().list().ofMaxSize(12);
    }

    /** Any bytes as a destination address: incomplete (nothing consumed), an address, or a named rejection. */
    @Property(tries = 1000)
    void aDestinationReaderNeverFailsOtherwiseThanByRejectingTheAddress(
            @ForAll @Size(max = 40) byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            Destination destination = SocksAddress.read(in);
            if (destination == SocksAddress.INCOMPLETE) {
                assertThat(in.readerIndex()).isZero();
            } else {
                assertThat(destination.port()).isBetween(0, 65535);
                assertThat(in.readerIndex()).isPositive();
            }
        } catch (SocksAddress.MalformedAddressException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        } finally {
            in.release();
        }
    }

    /** Written destinations read back as the same host and port (domains verbatim, IPs canonical). */
    @Property(tries = 300)
    void destinationsRoundTrip(@ForAll("destinations") Destination destination) {
        ByteBuf out = Unpooled.buffer();
        try {
            SocksAddress.write(destination, out);
            assertThat(out.readableBytes()).isEqualTo(SocksAddress.encodedLength(destination));
            assertThat(SocksAddress.read(out)).isEqualTo(destination);
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }

    @Provide
    Arbitrary<Destination> destinations() {
        Arbitrary<String> domains = Arbitraries.strings().withCharRange('a', 'z').withChars('.', '-')
                .ofMinLength(1).ofMaxLength(60).filter(s -> !s.startsWith(".") && !s.isEmpty());
        Arbitrary<String> ipv4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3));
        return Combinators.combine(Arbitraries.oneOf(domains, ipv4), Arbitraries.integers().between(0, 65535))
                .as(Destination::new);
    }

    /** Any text offered as a padding scheme by a server: accepted or refused, never an exception. */
    @Property(tries = 500)
    void anyReceivedSchemeIsAcceptedOrRefusedAndDrawsSaneSizes(@ForAll("schemeTexts") String text,
                                                               @ForAll Random random) {
        PaddingScheme.parseReceived(text.getBytes(StandardCharsets.UTF_8)).ifPresent(scheme -> {
            for (int packet = 0; packet < 10; packet++) {
                for (int size : scheme.drawSizes(packet, random)) {
                    assertThat(size == PaddingScheme.CHECK_MARK || size > 0).isTrue();
                }
            }
            assertThat(scheme.drawPadding0(random)).isBetween(0, 0xFFFF);
        });
    }

    @Provide
    Arbitrary<String> schemeTexts() {
        Arbitrary<String> entry = Arbitraries.oneOf(
                Arbitraries.just("c"),
                Combinators.combine(Arbitraries.integers().between(-5, 2000), Arbitraries.integers().between(-5, 2000))
                        .as((a, b) -> a + "-" + b),
                Arbitraries.strings().ofMaxLength(6));
        Arbitrary<String> line = Arbitraries.oneOf(
                Arbitraries.integers().between(-2, 12).map(n -> "stop=" + n),
                Combinators.combine(Arbitraries.integers().between(0, 9), entry.list().ofMaxSize(6))
                        .as((n, entries) -> n + "=" + String.join(",", entries)),
                Arbitraries.strings().ofMaxLength(12));
        return line.list().ofMaxSize(10).map(lines -> String.join("\n", lines));
    }

    /**
     * Shaping never changes what the server reads: for any frames and any drawn sizes, the records decode to the
     * same frames plus Waste, and every record but the unshaped tail has exactly the drawn size (or the payload
     * left, when no Waste fits).
     */
    @Property(tries = 300)
    void paddingRecordsCarryTheFramesUnchangedPlusWaste(@ForAll("framesList") List<WireFrame> frames,
                                                        @ForAll("sizeLists") int[] sizes) {
        ByteBuf write = Unpooled.buffer();
        for (WireFrame f : frames) {
            int command = f.command() == Command.WASTE ? Command.PSH : f.command();
            FrameEncoder.writeHeader(write, command, f.streamId(), f.data().length);
            write.writeBytes(f.data());
        }
        byte[] original = ByteBufUtil.getBytes(write);
        List<ByteBuf> records = PaddingWriter.cut(write, sizes, UnpooledByteBufAllocator.DEFAULT);
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(), new WholeFrames());
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (ByteBuf record : records) {
            decoder.writeInbound(record);
        }
        Frame frame;
        while ((frame = decoder.readInbound()) != null) {
            try {
                if (frame.command() != Command.WASTE) {
                    ByteBuf again = Unpooled.buffer();
                    FrameEncoder.encode(frame, again);
                    payload.writeBytes(ByteBufUtil.getBytes(again));
                    again.release();
                } else {
                    assertThat(ByteBufUtil.getBytes(frame.data())).containsOnly((byte) 0);
                }
            } finally {
                frame.release();
            }
        }
        assertThat(decoder.finish()).isFalse();
        assertThat(payload.toByteArray()).isEqualTo(original);
    }

    @Provide
    Arbitrary<int[]> sizeLists() {
        return Arbitraries.oneOf(Arbitraries.just(PaddingScheme.CHECK_MARK), Arbitraries.integers().between(1, 1500))
                .list().ofMaxSize(8).map(l -> l.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Drawn sizes stay in [min, max) of their range, as the reference's crypto/rand draw does. */
    @Property(tries = 200)
    void drawnSizesStayInsideTheirRange(@ForAll @IntRange(min = 1, max = 5000) int a,
                                        @ForAll @IntRange(min = 1, max = 5000) int b, @ForAll Random random) {
        PaddingScheme scheme = PaddingScheme.parseConfigured("stop=2\n1=" + a + "-" + b);
        int[] sizes = scheme.drawSizes(1, random);
        assertThat(sizes).hasSize(1);
        int min = Math.min(a, b);
        int max = Math.max(a, b);
        if (min == max) {
            assertThat(sizes[0]).isEqualTo(min);
        } else {
            assertThat(sizes[0]).isGreaterThanOrEqualTo(min).isLessThan(max);
        }
    }
}
