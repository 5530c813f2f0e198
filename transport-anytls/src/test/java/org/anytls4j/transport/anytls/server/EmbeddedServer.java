package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;

/**
 * A server connection in an {@link EmbeddedChannel}, after the TLS layer: bytes in, frames out. Its route
 * hands out targets the test completes by hand ({@link #opens}), usually with another EmbeddedChannel.
 */
final class EmbeddedServer implements AutoCloseable {
    /** One target the session asked for. */
    record Open(Destination destination, CompletableFuture<Channel> future) {
    }

    final List<Open> opens = new CopyOnWriteArrayList<>();
    final TestContext context;
    final ServerRuntime runtime;
    final EmbeddedChannel channel;
    private final ByteBuf out = Unpooled.buffer();
    private final ArrayDeque<Frame> received = new ArrayDeque<>();

    EmbeddedServer(String hocon) {
        context = TestContext.server(null, new Outbound() {
            @Override
            public String tag() {
                return "manual";
            }

            @Override
            public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
                CompletableFuture<Channel> f = new CompletableFuture<>();
                opens.add(new Open(destination, f));
                return f;
            }
        });
        AnytlsInboundSettings settings = ServerHarness.settings(hocon);
        runtime = new ServerRuntime(settings, context, new ServerMetrics(context.registry(), "in"),
                new HostResolver(null));
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(AuthHandler.NAME, new AuthHandler(runtime, 1));
    }

    /** Authenticated with {@code capturepass} and Settings v=2 with the default md5; answers consumed. */
    static EmbeddedServer authenticatedV2(String hocon) {
        EmbeddedServer s = new EmbeddedServer(hocon);
        s.write(RawTlsClient.concat(RawTlsClient.preamble(ServerHarness.PASSWORD, 30),
                RawTlsClient.settings("v=2\nclient=t\npadding-md5=" + s.runtime.settings.paddingScheme().md5Hex())));
        s.expect(Command.SERVER_SETTINGS, 0, "v=2");
        s.expectNothing();
        return s;
    }

    void write(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** Decodes what the server wrote so far into {@link #received}. */
    private void drain() {
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.writeBytes(b);
            b.release();
        }
        while (out.readableBytes() >= Frame.HEADER_LENGTH) {
            int length = out.getUnsignedShort(out.readerIndex() + 5);
            if (out.readableBytes() < Frame.HEADER_LENGTH + length) {
                break;
            }
            int cmd = out.readUnsignedByte();
            long sid = out.readUnsignedInt();
            out.skipBytes(2);
            received.add(Frame.of(cmd, sid, out.readRetainedSlice(length)));
        }
        out.discardReadBytes();
    }

    /** The next frame the server wrote; the caller releases it. */
    Frame next() {
        drain();
        assertThat(received).as("frames from the server").isNotEmpty();
        return received.poll();
    }

    /** The next frame is this (cmd, sid and, unless null, its text); released here. Returns its text. */
    String expect(int cmd, long sid, String text) {
        Frame f = next();
        try {
            assertThat(Command.name(f.command()) + " sid=" + f.streamId())
                    .isEqualTo(Command.name(cmd) + " sid=" + sid);
            String data = f.data().toString(StandardCharsets.UTF_8);
            if (text != null) {
                assertThat(data).isEqualTo(text);
            }
            return data;
        } finally {
            f.release();
        }
    }

    void expectNothing() {
        drain();
        assertThat(received).as("frames from the server").isEmpty();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        drain();
        received.forEach(Frame::release);
        out.release();
        context.close();
    }
}
