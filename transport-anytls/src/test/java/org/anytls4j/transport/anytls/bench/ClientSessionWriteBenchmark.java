package org.anytls4j.transport.anytls.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.client.ClientSession;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The client session's write path, from a stream's {@code writeAndFlush} to what the session hands to TLS (an
 * {@code EmbeddedChannel} stands in for {@code SslHandler} and the socket): the stream channel, PSH framing, the
 * padding writer and the session writer's write/flush policy.
 *
 * <ul>
 *   <li>{@link #sessionStart}: a new session opens a stream (packet 1) and writes 8 payloads (packets 2-9), with
 *   the default scheme (packets 1-7 cut into records with Waste, one flush per record, stop at 8) side by side with
 *   a scheme that stops at once ({@code stop=1}): the ratio is what padding costs a session's start.</li>
 *   <li>{@link #write}: one write on a long-lived session, padding {@code stopped} (the steady state) or still
 *   {@code active} (a scheme whose stop is never reached and that has no sizes: counted packets, one flush each).
 *   </li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ClientSessionWriteBenchmark {
    static final Destination DESTINATION = new Destination("example.com", 443);
    static final PaddingScheme STOP_AT_ONCE = PaddingScheme.parseConfigured("stop=1\n0=30-30");
    static final PaddingScheme NEVER_STOP = PaddingScheme.parseConfigured("stop=2147483647\n0=30-30");

    @State(Scope.Thread)
    public static class Start {
        /** {@code default}: the default scheme; {@code none}: {@code stop=1}. */
        @Param({"default", "none"})
        public String padding;

        @Param({"1024", "16384"})
        public int payload;

        PaddingScheme scheme;
        ByteBuf data;
        final SplittableRandom random = new SplittableRandom(1);

        @Setup(Level.Trial)
        public void setUp() {
            scheme = padding.equals("default") ? PaddingScheme.DEFAULT : STOP_AT_ONCE;
            data = PooledByteBufAllocator.DEFAULT.directBuffer(payload).writeZero(payload);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            data.release();
        }
    }

    @State(Scope.Thread)
    public static class Steady {
        /** {@code stopped}: past the default scheme's stop; {@code active}: a scheme that never stops. */
        @Param({"stopped", "active"})
        public String padding;

        @Param({"1024", "16384", "65536"})
        public int payload;

        EmbeddedChannel channel;
        Channel stream;
        ByteBuf data;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            channel = new EmbeddedChannel();
            stream = open(channel, padding.equals("stopped") ? PaddingScheme.DEFAULT : NEVER_STOP,
                    new SplittableRandom(1));
            ByteBuf small = PooledByteBufAllocator.DEFAULT.directBuffer(16).writeZero(16);
            for (int i = 0; i < 8; i++) { // past the default scheme's stop
                stream.writeAndFlush(small.retainedDuplicate());
            }
            small.release();
            drain(channel);
            data = PooledByteBufAllocator.DEFAULT.directBuffer(payload).writeZero(payload);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            channel.finishAndReleaseAll();
            data.release();
        }
    }

    /** A new session, one stream, 8 writes of {@code payload} bytes; returns the bytes handed to TLS. */
    @Benchmark
    public long sessionStart(Start s) throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel();
        Channel stream = open(channel, s.scheme, s.random);
        for (int i = 0; i < 8; i++) {
            stream.writeAndFlush(s.data.retainedDuplicate());
        }
        long bytes = drain(channel);
        channel.finishAndReleaseAll();
        return bytes;
    }

    /** One write of {@code payload} bytes on an open stream; returns the bytes handed to TLS. */
    @Benchmark
    public long write(Steady s) {
        s.stream.writeAndFlush(s.data.retainedDuplicate());
        return drain(s.channel);
    }

    static Channel open(EmbeddedChannel channel, PaddingScheme scheme, SplittableRandom random) throws Exception {
        ClientSession session = new ClientSession("bench", 1, System::nanoTime, channel,
                new AtomicReference<>(scheme), random, "", 1 << 20, 4 << 20).attach();
        CompletableFuture<Channel> opened = session.openStream(DESTINATION).toCompletableFuture();
        channel.runPendingTasks();
        return opened.getNow(null);
    }

    static long drain(EmbeddedChannel channel) {
        long bytes = 0;
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            bytes += buf.readableBytes();
            buf.release();
        }
        return bytes;
    }
}
