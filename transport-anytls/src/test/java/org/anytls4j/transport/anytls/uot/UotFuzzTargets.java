package org.anytls4j.transport.anytls.uot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.anytls4j.api.outbound.Packet;

/**
 * Fuzz target of the UDP-over-TCP client packet decoder ({@link UotClient}: what an AnyTLS server sends back on a packet stream):
 * any bytes in any pieces decode into packets or are refused as a corrupted frame; nothing else escapes and nothing
 * leaks. Tries: jqwik's default (docs/RELIABILITY.md, "Fuzzing").
 */
class UotFuzzTargets {
    @Property
    void uotPacketDecoder(@ForAll @Size(max = 2000) byte[] bytes, @ForAll Random random) {
        EmbeddedChannel channel = new EmbeddedChannel(new UotClient.Decoder());
        int at = 0;
        try {
            while (at < bytes.length) {
                int piece = 1 + random.nextInt(Math.min(200, bytes.length - at));
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, piece));
                at += piece;
                Object packet;
                while ((packet = channel.readInbound()) != null) {
                    ((Packet) packet).release();
                }
            }
        } catch (DecoderException refused) {
            assertThat(refused).isInstanceOf(CorruptedFrameException.class);
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
