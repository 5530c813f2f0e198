package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntUnaryOperator;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Coverage-guided fuzz test (Jazzer) of the local proxy's parsers: first-byte detection, SOCKS4/4a, SOCKS5 and HTTP
 * proxy requests, as a {@code mixed}, {@code socks} or {@code http} inbound, with or without users, with opens that
 * succeed or fail, any bytes in any pieces. The contract: no exception escapes the pipeline; the connection ends in
 * a reply, an opened target or a close (a connection that has neither replied nor opened is given 64 KiB more of
 * junk and must then close: no request is buffered without bound); every input buffer ends released, and
 * {@link LeakCheck} fails the class on any leak. Regression mode replays {@code InboundFuzzTestInputs/inbound/};
 * {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md, "Fuzzing"). {@link InboundFuzzTargets} is the jqwik run.
 */
@ExtendWith(LeakCheck.class)
class InboundFuzzTest {
    /** Only its channel classes are used: a UDP association's socket cannot bind on the embedded loop. */
    private static final TestNetty NETTY = new TestNetty();
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 1080);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40000);
    private static final int JUNK = 64 * 1024;
    /** Parsed once, not per execution: parsing HOCON dominated the run time. */
    private static final Map<ProxyKind, ProxyInboundSettings[]> SETTINGS = new EnumMap<>(ProxyKind.class);

    static {
        for (ProxyKind kind : ProxyKind.values()) {
            SETTINGS.put(kind, new ProxyInboundSettings[] {
                ProxyInboundSettings.parse(TestInboundContext.settings(kind.type(), ""), kind),
                ProxyInboundSettings.parse(TestInboundContext.settings(kind.type(),
                        "users = [ { username = u, password = p } ]"), kind)});
        }
    }

    @FuzzTest(maxDuration = "5m", maxExecutions = 10_000_000L)
    void inbound(FuzzedDataProvider data) {
        ProxyKind kind = data.pickValue(ProxyKind.values());
        boolean users = data.consumeBoolean();
        boolean connects = data.consumeBoolean();
        int cuts = data.consumeInt(0, 8);
        int[] pieces = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            pieces[i] = data.consumeInt(1, 64);
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        run(kind, users, connects, bytes, i -> i < cuts ? pieces[i] : Integer.MAX_VALUE);
    }

    /** One local client connection fed {@code bytes} in pieces of {@code piece(i)} bytes; asserts the contract. */
    static void run(ProxyKind kind, boolean users, boolean connects, byte[] bytes, IntUnaryOperator piece) {
        List<EmbeddedChannel> streams = new ArrayList<>();
        Outbound outbound = new Outbound() {
            @Override
            public String tag() {
                return "fuzz";
            }

            @Override
            public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
                if (!connects) {
                    return CompletableFuture.failedFuture(new ConnectException("Connection refused"));
                }
                EmbeddedChannel stream = new EmbeddedChannel();
                streams.add(stream);
                return CompletableFuture.completedFuture(stream);
            }
        };
        ProxyInbound inbound = new ProxyInbound(kind, SETTINGS.get(kind)[users ? 1 : 0],
                new TestInboundContext("fuzz", NETTY, outbound, new SimpleMeterRegistry()));
        EmbeddedChannel channel = new EmbeddedChannel() {
            // a client connection has socket addresses (SOCKS5 UDP ASSOCIATE binds beside the local one)
            @Override
            public SocketAddress localAddress() {
                return LOCAL;
            }

            @Override
            public SocketAddress remoteAddress() {
                return REMOTE;
            }
        };
        channel.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inbound));
        List<ByteBuf> inputs = new ArrayList<>();
        boolean replied = false;
        try {
            int at = 0;
            for (int i = 0; at < bytes.length && channel.isOpen(); i++) {
                int n = Math.min(piece.applyAsInt(i), bytes.length - at);
                replied |= write(channel, inputs, Arrays.copyOfRange(bytes, at, at + n));
                at += n;
            }
            byte[] junk = new byte[1024];
            Arrays.fill(junk, (byte) 0xFF);
            for (int sent = 0; sent < JUNK && channel.isOpen() && !replied && streams.isEmpty(); sent += junk.length) {
                replied |= write(channel, inputs, junk);
            }
            assertThat(!channel.isOpen() || replied || !streams.isEmpty())
                    .as("%s: after %d bytes and %d of junk: closed, replied or opened", kind, bytes.length, JUNK)
                    .isTrue();
        } finally {
            channel.finishAndReleaseAll();
            streams.forEach(EmbeddedChannel::finishAndReleaseAll); // what the relay wrote to the target
        }
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffer released").isZero();
        }
    }

    /** Writes one piece, runs what it scheduled, rethrows what escaped; whether anything was written back. */
    private static boolean write(EmbeddedChannel channel, List<ByteBuf> inputs, byte[] piece) {
        ByteBuf in = Unpooled.copiedBuffer(piece);
        inputs.add(in);
        channel.writeInbound(in);
        channel.runPendingTasks();
        channel.checkException();
        boolean wrote = false;
        Object out;
        while ((out = channel.readOutbound()) != null) {
            wrote = true;
            io.netty.util.ReferenceCountUtil.release(out);
        }
        return wrote;
    }
}
