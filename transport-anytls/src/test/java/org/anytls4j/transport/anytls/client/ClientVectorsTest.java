package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.padding.PaddingWriter;
import org.junit.jupiter.api.Test;

/** VECTORS.md sections 2-3 and the reference client's capture {@code client_script_update_padding.json}. */
class ClientVectorsTest {
    private final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);

    private static String hex(ByteBuf buf) {
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void preambleForPasswordWithPadding30() {
        assertThat(hex(ClientFrames.preamble(alloc, ClientFrames.passwordHash("password"), 30))).isEqualTo(
                "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
                        + "001e" + "00".repeat(30));
    }

    @Test
    void preambleOfTheDefaultSchemeIs64Bytes() {
        int padding0 = PaddingScheme.DEFAULT.drawPadding0(new Random());
        ByteBuf preamble = ClientFrames.preamble(alloc, ClientFrames.passwordHash("x"), padding0);
        assertThat(preamble.readableBytes()).isEqualTo(64);
        preamble.release();
    }

    @Test
    void settingsFrameMatchesTheVector() {
        String text = ClientFrames.settingsText("anytls4j/0.1.0", PaddingScheme.DEFAULT.md5Hex());
        assertThat(hex(ClientFrames.textFrame(alloc, Command.SETTINGS, 0, text))).isEqualTo(
                "04000000000046763d320a636c69656e743d616e79746c73346a2f302e312e30"
                        + "0a70616464696e672d6d64353d37356366663261643839616164663565323537"
                        + "30353965653537316562653131");
    }

    @Test
    void emptyClientMetadataLeavesTheClientKeyOut() {
        assertThat(ClientFrames.settingsText("", "abc")).isEqualTo("v=2\npadding-md5=abc");
    }

    @Test
    void controlFramesMatchTheVectors() {
        assertThat(hex(ClientFrames.emptyFrame(alloc, Command.SYN, 1))).isEqualTo("01000000010000");
        assertThat(hex(ClientFrames.emptyFrame(alloc, Command.FIN, 1))).isEqualTo("03000000010000");
        assertThat(hex(ClientFrames.emptyFrame(alloc, Command.HEART_REQUEST, 0))).isEqualTo("08000000000000");
        assertThat(hex(ClientFrames.emptyFrame(alloc, Command.HEART_RESPONSE, 0))).isEqualTo("09000000000000");
    }

    @Test
    void addressFramesMatchTheVectors() {
        assertThat(hex(ClientFrames.addressFrame(alloc, 1, new Destination("example.com", 443))))
                .isEqualTo("0200000001000f030b6578616d706c652e636f6d01bb");
        assertThat(hex(ClientFrames.addressFrame(alloc, 1, new Destination("127.0.0.1", 8080))))
                .isEqualTo("02000000010007017f0000011f90");
        assertThat(hex(ClientFrames.addressFrame(alloc, 1, new Destination("::1", 53))))
                .isEqualTo("0200000001001304000000000000000000000000000000010035");
    }

    @Test
    void dataLongerThanOneFrameIsSplitAt65535() {
        int length = 65535 * 2 + 10;
        ByteBuf frames = ClientFrames.dataFrames(alloc, 3, alloc.buffer(length).writeZero(length));
        try {
            List<Integer> lengths = new ArrayList<>();
            while (frames.isReadable()) {
                assertThat(frames.readUnsignedByte()).isEqualTo((short) Command.PSH);
                assertThat(frames.readUnsignedInt()).isEqualTo(3);
                int n = frames.readUnsignedShort();
                lengths.add(n);
                frames.skipBytes(n);
            }
            assertThat(lengths).containsExactly(65535, 65535, 10);
        } finally {
            frames.release();
        }
    }

    /**
     * Session 2 of the capture used the deterministic scheme the capture server pushed; replaying its session
     * writes through our shaper gives the reference client's records byte for byte.
     */
    @Test
    void replaysTheReferenceClientsRecordsUnderAPushedScheme() throws Exception {
        Config capture;
        try (Reader reader = new InputStreamReader(
                getClass().getResourceAsStream("/vectors/client_script_update_padding.json"),
                StandardCharsets.UTF_8)) {
            capture = ConfigFactory.parseReader(reader);
        }
        PaddingScheme scheme = PaddingScheme.parseReceived(
                capture.getString("update_scheme_text").getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(scheme.md5Hex()).isEqualTo("6e9289329e89a7b8e9e8a4538e53e13d");
        List<String> records = capture.getConfigList("connections").get(1).getConfigList("records").stream()
                .map(r -> r.getString("plaintext_hex")).toList();

        // packet 0: the preamble with padding0 from line 0 (20-20)
        assertThat(hex(ClientFrames.preamble(alloc, ClientFrames.passwordHash(capture.getString("password")),
                scheme.drawPadding0(new Random())))).isEqualTo(records.get(0));

        // packets 1..5: the session writes, i.e. the records' frames without the trailing Waste
        List<String> writes = List.of(
                withoutTrailingWaste(records.get(1)), // Settings + SYN 1 + PSH 1 (address)
                withoutTrailingWaste(records.get(2)), // PSH 1 (HTTP request)
                withoutTrailingWaste(records.get(3)), // SYN 2
                records.get(5) + records.get(6),      // PSH 2 (address), cut 10 + 4 by line 4
                records.get(7));                      // PSH 2 (HTTP request), after stop
        PaddingWriter writer = new PaddingWriter(() -> scheme, new Random());
        List<String> produced = new ArrayList<>();
        for (String write : writes) {
            for (ByteBuf record : writer.shape(Unpooled.wrappedBuffer(HexFormat.of().parseHex(write)), alloc)) {
                produced.add(hex(record));
            }
        }
        assertThat(produced).containsExactlyElementsOf(records.subList(1, records.size()));
    }

    /**
     * Our client, recorded by {@code ../shared/conformance/capture_client_side.py} in the same script scenario
     * (scheme pushed on session 1; session 2 opens a stream, gets the HTTP reply and FIN, then reuses the
     * session for stream 2): session 2's record layout is the reference client's, record for record.
     */
    @Test
    void ourCapturedSessionHasTheReferenceRecordLayout() throws Exception {
        List<Integer> reference = recordLengths("/vectors/client_script_update_padding.json", 1);
        List<Integer> ours = recordLengths("/captures/anytls4j_client_update_padding.json", 1);

        assertThat(ours).isEqualTo(reference).containsExactly(54, 120, 200, 50, 67, 10, 4, 90);
    }

    private List<Integer> recordLengths(String resource, int connection) throws Exception {
        try (Reader reader = new InputStreamReader(getClass().getResourceAsStream(resource),
                StandardCharsets.UTF_8)) {
            return ConfigFactory.parseReader(reader).getConfigList("connections").get(connection)
                    .getConfigList("records").stream().map(r -> r.getInt("plaintext_len")).toList();
        }
    }

    /** Strips Waste frames that end a record (the record starts with whole frames). */
    private static String withoutTrailingWaste(String recordHex) {
        byte[] record = HexFormat.of().parseHex(recordHex);
        int i = 0;
        while (i + 7 <= record.length) {
            int length = ((record[i + 5] & 0xFF) << 8) | (record[i + 6] & 0xFF);
            if (record[i] == Command.WASTE) {
                break;
            }
            i += 7 + length;
        }
        return recordHex.substring(0, i * 2);
    }
}
