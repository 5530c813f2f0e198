package org.anytls4j.transport.anytls.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.anytls4j.transport.anytls.client.ClientFrames;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
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
 * The frame layer on its own: decoding a decrypted byte stream into frames, and encoding stream data as PSH
 * frames (split at 65535 bytes, data not copied). Throughput is per operation; each decode operation moves
 * {@link #STREAM_BYTES} bytes, each encode operation {@code payload} bytes, so MiB/s follow from ops/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class FrameBenchmark {
    /** Bytes of frames one decode operation feeds in. */
    static final int STREAM_BYTES = 256 * 1024;
    /** The decoder is fed in TLS-record-sized pieces, so frames span pieces as they do behind SslHandler. */
    static final int PIECE = 16 * 1024;

    /** A decoder and {@link #STREAM_BYTES} of PSH frames with {@code frameData} data bytes each. */
    @State(Scope.Thread)
    public static class DecodeInput {
        @Param({"1024", "16384", "65535"})
        public int frameData;

        EmbeddedChannel decoder;
        ByteBuf stream;

        @Setup(Level.Trial)
        public void setUp() {
            decoder = new EmbeddedChannel(new FrameDecoder());
            stream = PooledByteBufAllocator.DEFAULT.directBuffer(STREAM_BYTES);
            while (stream.writableBytes() >= Frame.HEADER_LENGTH + 1) {
                int n = Math.min(frameData, stream.writableBytes() - Frame.HEADER_LENGTH);
                stream.writeByte(2).writeInt(1).writeShort(n).writeZero(n);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            decoder.finishAndReleaseAll();
            stream.release();
        }
    }

    /** {@code payload} bytes of stream data. */
    @State(Scope.Thread)
    public static class EncodeInput {
        @Param({"1024", "16384", "65536", "262144"})
        public int payload;

        final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        ByteBuf data;

        @Setup(Level.Trial)
        public void setUp() {
            data = alloc.directBuffer(payload).writeZero(payload);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            data.release();
        }
    }

    /** Decodes {@link #STREAM_BYTES} of PSH frames; returns how many frames (or pieces of PSH data) came out. */
    @Benchmark
    public int decode(DecodeInput in) {
        ByteBuf stream = in.stream;
        int frames = 0;
        for (int at = 0; at < stream.writerIndex(); at += PIECE) {
            in.decoder.writeInbound(stream.retainedSlice(at, Math.min(PIECE, stream.writerIndex() - at)));
            Object frame;
            while ((frame = in.decoder.readInbound()) != null) {
                ((Frame) frame).release();
                frames++;
            }
        }
        return frames;
    }

    /** Encodes {@code payload} bytes as PSH frames of one stream (split at 65535 bytes, each frame one buffer). */
    @Benchmark
    public int pshEncode(EncodeInput in) {
        ByteBuf frames = ClientFrames.dataFrames(in.alloc, 1, in.data.retainedDuplicate());
        int length = frames.readableBytes();
        frames.release();
        return length;
    }
}
