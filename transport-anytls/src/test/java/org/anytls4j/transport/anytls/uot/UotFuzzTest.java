package org.anytls4j.transport.anytls.uot;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.anytls4j.api.outbound.Packet;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Coverage-guided fuzz test (Jazzer) of the UDP-over-TCP client packet decoder ({@link UotClient}: what an AnyTLS server
 * sends back on a packet stream), checked against a plain model of the format
 * ({@code family | address | port u16 | length u16 | payload}): any bytes in any pieces give exactly the model's
 * packets (port and payload), and a corrupted-frame error exactly where the model meets an unknown family or an empty domain, after
 * which nothing more is decoded; every input buffer ends released and {@link LeakCheck} fails the class on any
 * leak. Regression mode replays {@code UotFuzzTestInputs/uotPacketDecoder/}; {@code JAZZER_FUZZ=1} fuzzes
 * (docs/RELIABILITY.md, "Fuzzing"). {@link UotFuzzTargets} is the jqwik run.
 */
@ExtendWith(LeakCheck.class)
class UotFuzzTest {
    /** A packet of the model; equal by content (a record would compare the arrays by identity). */
    private record Expected(int port, byte[] payload) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Expected e && e.port == port && Arrays.equals(e.payload, payload);
        }

        @Override
        public int hashCode() {
            return 31 * port + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return port + ":" + io.netty.buffer.ByteBufUtil.hexDump(payload);
        }
    }

    @FuzzTest(maxDuration = "5m", maxExecutions = 10_000_000L)
    void uotPacketDecoder(FuzzedDataProvider data) {
        int cuts = data.consumeInt(0, 16);
        int[] pieces = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            pieces[i] = data.consumeInt(0, 200);
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        List<Expected> expected = new ArrayList<>();
        boolean corrupt = model(bytes, expected);

        EmbeddedChannel channel = new EmbeddedChannel(new UotClient.Decoder());
        List<ByteBuf> inputs = new ArrayList<>();
        List<Expected> decoded = new ArrayList<>();
        boolean refused = false;
        try {
            int at = 0;
            for (int i = 0; at < bytes.length; i++) {
                int piece = i < cuts ? Math.min(pieces[i], bytes.length - at) : bytes.length - at;
                ByteBuf in = Unpooled.buffer(piece).writeBytes(bytes, at, piece); // a real buffer even when empty
                inputs.add(in);
                at += piece;
                try {
                    channel.writeInbound(in);
                } catch (DecoderException e) {
                    assertThat(e).isInstanceOf(CorruptedFrameException.class);
                    assertThat(refused).as("refused once").isFalse();
                    refused = true;
                }
                Object packet;
                while ((packet = channel.readInbound()) != null) {
                    Packet p = (Packet) packet;
                    decoded.add(new Expected(p.peer().port(), ByteBufUtil.getBytes(p.content())));
                    p.release();
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        assertThat(refused).as("refused as corrupt").isEqualTo(corrupt);
        assertThat(decoded).isEqualTo(expected); // by equals: a reflective comparison is slow at millions of runs
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffer released").isZero();
        }
    }

    /** The packets of {@code bytes} by the format's definition; whether an unknown family was met. */
    private static boolean model(byte[] bytes, List<Expected> packets) {
        int at = 0;
        while (at < bytes.length) {
            int family = bytes[at] & 0xFF;
            int address;
            int skip = 1;
            if (family == 0) {
                address = 4;
            } else if (family == 1) {
                address = 16;
            } else if (family == 2) {
                if (at + 1 >= bytes.length) {
                    return false;
                }
                address = bytes[at + 1] & 0xFF;
                if (address == 0) {
                    return true; // an empty domain names no source
                }
                skip = 2;
            } else {
                return true;
            }
            int header = at + skip + address;
            if (header + 4 > bytes.length) {
                return false;
            }
            int port = (bytes[header] & 0xFF) << 8 | bytes[header + 1] & 0xFF;
            int length = (bytes[header + 2] & 0xFF) << 8 | bytes[header + 3] & 0xFF;
            if (header + 4 + length > bytes.length) {
                return false;
            }
            packets.add(new Expected(port, Arrays.copyOfRange(bytes, header + 4, header + 4 + length)));
            at = header + 4 + length;
        }
        return false;
    }
}
