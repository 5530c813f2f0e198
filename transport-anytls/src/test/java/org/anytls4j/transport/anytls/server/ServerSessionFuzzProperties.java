package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.anytls4j.transport.anytls.frame.FrameEncoder;

/**
 * A hostile client after a successful authentication: any sequence of frames (every command, stream ids that
 * exist and that don't, data where none belongs, addresses that are garbage) never lets an exception escape the
 * session's pipeline, and the session either stays open or closes by itself; targets it asked for succeed (an
 * EmbeddedChannel) or fail. Whatever happened, closing the connection releases everything (the leak detector
 * runs at paranoid).
 */
class ServerSessionFuzzProperties {
    record Step(int command, long streamId, byte[] data) {
    }

    @Property(tries = 300)
    void anyFrameSequenceIsHandledWithoutAnEscapingException(@ForAll("steps") List<Step> steps,
                                                             @ForAll("outcomes") List<Boolean> targetsConnect) {
        try (EmbeddedServer server = EmbeddedServer.authenticatedV2("")) {
            int answered = 0;
            for (Step step : steps) {
                if (!server.channel.isOpen()) {
                    break; // the session closed itself (an Alert, a protocol violation): nothing more to send
                }
                ByteBuf frame = Unpooled.buffer();
                FrameEncoder.writeHeader(frame, step.command(), step.streamId(), step.data().length);
                frame.writeBytes(step.data());
                // writeInbound rethrows anything that reached the end of the pipeline
                server.write(ByteBufUtil.getBytes(frame));
                frame.release();
                while (answered < server.opens.size()) {
                    boolean connect = answered < targetsConnect.size() && targetsConnect.get(answered);
                    EmbeddedServer.Open open = server.opens.get(answered++);
                    if (connect) {
                        open.future().complete(new EmbeddedChannel());
                    } else {
                        open.future().completeExceptionally(new ConnectException("Connection refused"));
                    }
                }
                server.channel.runPendingTasks();
                server.channel.checkException();
            }
            server.channel.checkException();
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<byte[]> data = Arbitraries.oneOf(
                Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                // a plausible address: IPv4 127.0.0.1 and a port, or a short domain
                Arbitraries.just(new byte[] {1, 127, 0, 0, 1, 0, 80}),
                Arbitraries.just(new byte[] {3, 4, 'a', '.', 'b', 'c', 1, (byte) 187}));
        return Combinators.combine(
                Arbitraries.oneOf(Arbitraries.integers().between(0, 10), Arbitraries.integers().between(11, 255)),
                Arbitraries.longs().between(0, 4),
                data).as(Step::new).list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<List<Boolean>> outcomes() {
        return Arbitraries.of(true, false).list().ofMaxSize(10);
    }
}
