package org.anytls4j.transport.anytls.padding;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PADDING.md sections 7-10 and VECTORS.md section 6 through the client's record cutter. */
class PaddingWriterTest {
    private static final int C = PaddingScheme.CHECK_MARK;
    private final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final List<ByteBuf> toRelease = new ArrayList<>();

    @AfterEach
    void release() {
        toRelease.forEach(ByteBuf::release);
    }

    private List<Integer> sizes(List<ByteBuf> records) {
        toRelease.addAll(records);
        return records.stream().map(ByteBuf::readableBytes).toList();
    }

    private ByteBuf payload(int n) {
        return alloc.buffer(n).writeZero(n);
    }

    /** VECTORS.md section 6, one row per worked example of PADDING.md section 9. */
    @ParameterizedTest(name = "{0} bytes, sizes {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
        "50;    200;                                         200",
        "106;   250;                                         250",
        "524;   450,c,700,c,820,c,610,c,940;                 450,700",
        "450;   450,c,700;                                   450",
        "7;     9,600;                                       7,607",
        "3000;  800;                                         800,2200",
        "20000; 450,c,700,c,820,c,610,c,940;                 450,700,820,610,940,16480",
        "195;   200;                                         195",
        "193;   200;                                         193",
        "192;   200;                                         200",
    })
    void cutsRecordsAsTheVectorsSay(int payload, String drawn, String expected) {
        int[] sizes = List.of(drawn.split(",")).stream()
                .mapToInt(s -> s.trim().equals("c") ? C : Integer.parseInt(s.trim())).toArray();
        List<Integer> want = List.of(expected.split(",")).stream().map(s -> Integer.parseInt(s.trim())).toList();

        assertThat(sizes(PaddingWriter.cut(payload(payload), sizes, alloc))).isEqualTo(want);
    }

    @Test
    void paddedRecordIsPayloadThenOneWasteFrameOfZeros() {
        ByteBuf in = alloc.buffer(50);
        for (int i = 0; i < 50; i++) {
            in.writeByte(0x11);
        }
        List<ByteBuf> records = PaddingWriter.cut(in, new int[] {200}, alloc);
        sizes(records);

        String expected = "11".repeat(50) + "00" + "00000000" + "008f" + "00".repeat(143);
        assertThat(ByteBufUtil.hexDump(records.get(0))).isEqualTo(expected);
    }

    @Test
    void wasteOnlyRecordIsSizePlusHeader() {
        List<ByteBuf> records = PaddingWriter.cut(alloc.buffer(0), new int[] {600}, alloc);
        sizes(records);

        assertThat(ByteBufUtil.hexDump(records.get(0))).isEqualTo("00" + "00000000" + "0258" + "00".repeat(600));
    }

    @Test
    void gapLargerThanOneFrameIsFilledWithSeveralWasteFrames() {
        int size = 200_000;
        List<ByteBuf> records = PaddingWriter.cut(payload(10), new int[] {size}, alloc);
        sizes(records);

        ByteBuf record = records.get(0);
        assertThat(record.readableBytes()).isEqualTo(size);
        List<Integer> wasteLengths = wasteFrames(record, 10);
        assertThat(wasteLengths).allMatch(n -> n <= 0xFFFF);
        assertThat(wasteLengths.stream().mapToInt(n -> n + 7).sum()).isEqualTo(size - 10);
    }

    @Test
    void wasteOnlyRecordLargerThanOneFrameCarriesAllRequestedDataBytes() {
        int size = 70_000;
        List<ByteBuf> records = PaddingWriter.cut(payload(0), new int[] {size}, alloc);
        sizes(records);

        List<Integer> wasteLengths = wasteFrames(records.get(0), 0);
        assertThat(wasteLengths).containsExactly(65535, size - 65535);
    }

    private static List<Integer> wasteFrames(ByteBuf record, int skip) {
        List<Integer> lengths = new ArrayList<>();
        int i = record.readerIndex() + skip;
        while (i < record.writerIndex()) {
            assertThat(record.getByte(i)).isEqualTo((byte) 0);
            int length = record.getUnsignedShort(i + 5);
            lengths.add(length);
            i += 7 + length;
        }
        assertThat(i).isEqualTo(record.writerIndex());
        return lengths;
    }

    @Test
    void countsPacketsFromOneAndStopsShapingAtStop() {
        PaddingScheme scheme = PaddingScheme.parseConfigured("stop=3\n1=100-100\n2=50-50");
        PaddingWriter writer = new PaddingWriter(() -> scheme, new Random(1));

        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(100);
        assertThat(writer.packetCounter()).isEqualTo(1);
        assertThat(sizes(writer.shape(payload(120), alloc))).containsExactly(50, 70);
        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(10);
        assertThat(writer.isActive()).isFalse();
        assertThat(writer.packetCounter()).isEqualTo(3);
        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(10);
        assertThat(writer.packetCounter()).isEqualTo(3);
    }

    @Test
    void packetWithoutALineIsSentUnshapedButCounted() {
        PaddingScheme scheme = PaddingScheme.parseConfigured("stop=4\n2=100-100");
        PaddingWriter writer = new PaddingWriter(() -> scheme, new Random(1));

        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(10);
        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(100);
    }

    @Test
    void aSchemeReplacedMidSessionAppliesToTheNextPacketIncludingItsStop() {
        AtomicReference<PaddingScheme> current = new AtomicReference<>(PaddingScheme.DEFAULT);
        PaddingWriter writer = new PaddingWriter(current::get, new Random(1));
        assertThat(sizes(writer.shape(payload(10), alloc)).get(0)).isBetween(100, 399);

        current.set(PaddingScheme.parseConfigured("stop=5\n2=123-123"));
        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(123);

        current.set(PaddingScheme.parseConfigured("stop=2"));
        assertThat(sizes(writer.shape(payload(10), alloc))).containsExactly(10);
        assertThat(writer.isActive()).isFalse();
    }

    @Test
    void aSeedReproducesTheExactRecordSizesOfTheDefaultScheme() {
        List<List<Integer>> first = run(42);
        List<List<Integer>> second = run(42);

        assertThat(first).isEqualTo(second);
        assertThat(first.get(0).get(0)).isBetween(100, 399);
    }

    private List<List<Integer>> run(long seed) {
        PaddingWriter writer = new PaddingWriter(() -> PaddingScheme.DEFAULT, new Random(seed));
        List<List<Integer>> out = new ArrayList<>();
        for (int size : new int[] {106, 524, 7, 3000, 40}) {
            out.add(sizes(writer.shape(payload(size), alloc)));
        }
        return out;
    }

    @Test
    void drawnSizesFollowTheDefaultSchemeRanges() {
        Random random = new Random(7);
        for (int i = 0; i < 1000; i++) {
            PaddingWriter writer = new PaddingWriter(() -> PaddingScheme.DEFAULT, random);
            List<Integer> packet1 = sizes(writer.shape(payload(50), alloc));
            List<Integer> packet2 = sizes(writer.shape(payload(524), alloc));
            List<Integer> packet3 = sizes(writer.shape(payload(7), alloc));
            assertThat(packet1).hasSize(1);
            assertThat(packet1.get(0)).isBetween(100, 399);
            assertThat(packet2.get(0)).isBetween(400, 499);
            assertThat(packet2.get(1)).isBetween(500, 999);
            assertThat(packet3.get(0)).isEqualTo(7);
            assertThat(packet3.get(1)).isBetween(507, 1006);
        }
    }

    @Test
    void inputIsReleasedAndSlicesStayValid() {
        ByteBuf in = alloc.buffer(3000).writeBytes("x".repeat(3000).getBytes(StandardCharsets.US_ASCII));
        List<ByteBuf> records = PaddingWriter.cut(in, new int[] {800}, alloc);
        sizes(records);

        assertThat(records.get(1).toString(StandardCharsets.US_ASCII)).isEqualTo("x".repeat(2200));
    }
}
