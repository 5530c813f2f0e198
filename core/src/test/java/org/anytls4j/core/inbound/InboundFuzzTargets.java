package org.anytls4j.core.inbound;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Outbound;

/**
 * Fuzz targets of the local proxy's parsers (first-byte detection, SOCKS5, SOCKS4/4a, HTTP proxy requests): any
 * bytes a local client sends, in any pieces, are answered or refused and nothing escapes the pipeline (the leak
 * detector runs at paranoid). Opens fail or succeed at random. Tries: jqwik's default, 100 in the normal suite;
 * the long run raises them with {@code -Djqwik.tries.default=N} (docs/RELIABILITY.md, "Fuzzing").
 */
class InboundFuzzTargets {
    /** Only its channel classes are used: a UDP association's socket cannot bind on the embedded loop. */
    private static final TestNetty NETTY = new TestNetty();
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 1080);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40000);

    @Property
    void mixedInbound(@ForAll("requests") byte[] bytes, @ForAll Random random) {
        run(ProxyKind.MIXED, bytes, random);
    }

    @Property
    void socksInbound(@ForAll("requests") byte[] bytes, @ForAll Random random) {
        run(ProxyKind.SOCKS, bytes, random);
    }

    @Property
    void httpInbound(@ForAll("requests") byte[] bytes, @ForAll Random random) {
        run(ProxyKind.HTTP, bytes, random);
    }

    private static void run(ProxyKind kind, byte[] bytes, Random random) {
        boolean connects = random.nextBoolean();
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
        ProxyInbound inbound = new ProxyInbound(kind, ProxyInboundSettings.parse(
                TestInboundContext.settings(kind.type(), random.nextBoolean() ? ""
                        : "users = [ { username = u, password = p } ]"), kind),
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
        int at = 0;
        while (at < bytes.length && channel.isOpen()) {
            int piece = 1 + random.nextInt(Math.min(64, bytes.length - at));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, piece));
            at += piece;
            channel.runPendingTasks();
            channel.checkException();
        }
        channel.finishAndReleaseAll();
        streams.forEach(EmbeddedChannel::finishAndReleaseAll); // what the relay wrote to the target
    }

    /** Random bytes, and random bytes behind a plausible start (SOCKS5 greeting, SOCKS4 connect, HTTP methods). */
    @Provide
    Arbitrary<byte[]> requests() {
        Arbitrary<byte[]> tail = Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
        Arbitrary<byte[]> prefix = Arbitraries.of(new byte[0], new byte[] {5, 1, 0}, new byte[] {5, 1, 2},
                new byte[] {5, 1, 0, 5, 1, 0, 3}, new byte[] {5, 1, 0, 5, 3, 0, 1}, new byte[] {4, 1, 0, 80},
                "CONNECT ".getBytes(), "GET http://".getBytes(), "POST /".getBytes(),
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic ".getBytes());
        return net.jqwik.api.Combinators.combine(prefix, tail).as((p, t) -> {
            byte[] all = Arrays.copyOf(p, p.length + t.length);
            System.arraycopy(t, 0, all, p.length, t.length);
            return all;
        });
    }
}
