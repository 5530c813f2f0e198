package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.anytls4j.transport.anytls.server.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Our client against our server (the {@code anytls} inbound) and a local echo service, all on 127.0.0.1. */
@Timeout(60)
class ClientServerEndToEndTest {
    private static final String PUSHED_SCHEME = "stop=4\n0=25-25\n1=300-400\n2=200-300,c,500-600\n3=40-40";
    private ServerHarness server;
    private Channel echo;
    private AnytlsSessionConnector connector;
    private final AtomicLong seq = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        server = ServerHarness.start("padding_scheme = [" + String.join(", ",
                PUSHED_SCHEME.lines().map(l -> "\"" + l + "\"").toList()) + "]");
        echo = TestServers.echo(server.netty.workerGroup());
        connector = (AnytlsSessionConnector) new AnytlsTransportFactory().create(
                TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + server.address.getPort()
                        + ", password = " + ServerHarness.PASSWORD + ", tls { insecure = true }"),
                TestContext.client("e2e", server.netty));
    }

    @AfterEach
    void stop() throws Exception {
        connector.close();
        echo.close().sync();
        server.close();
    }

    private Session session() throws Exception {
        return connector.connect(seq::incrementAndGet).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Destination echoDestination() {
        return new Destination("127.0.0.1", TestServers.port(echo));
    }

    /** Reads a stream until {@code expected} bytes arrived; completes with their SHA-256. */
    private static final class Digest extends ChannelInboundHandlerAdapter {
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private final MessageDigest sha = sha256();
        private final long expected;
        private long seen;

        Digest(long expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            try {
                seen += data.readableBytes();
                sha.update(data.nioBuffer());
                if (seen >= expected) {
                    done.complete(sha.digest());
                }
            } finally {
                data.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("stream ended after " + seen + " bytes"));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void echoesThroughTheServerAndLearnsItsVersionAndScheme() throws Exception {
        Session session = session();
        byte[] payload = randomBytes(200_000, 1);

        Channel stream = session.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Digest digest = new Digest(payload.length);
        stream.pipeline().addLast(digest);
        stream.config().setAutoRead(true); // a stream delivers nothing until its owner reads
        stream.writeAndFlush(Unpooled.wrappedBuffer(payload));

        assertThat(digest.done.get(20, TimeUnit.SECONDS)).isEqualTo(sha256().digest(payload));
        assertThat(session.peerVersion()).isEqualTo(2);
        assertThat(connector.paddingScheme().text()).isEqualTo(PUSHED_SCHEME);
        stream.close().sync();
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void fiftyConcurrentStreamsOnOneSessionEachGetTheirOwnBytesBack() throws Exception {
        Session session = session();
        List<CompletableFuture<byte[]>> digests = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] payload = randomBytes(64 * 1024 + i, i);
            payloads.add(payload);
            Channel stream = session.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS);
            Digest digest = new Digest(payload.length);
            stream.pipeline().addLast(digest);
            stream.config().setAutoRead(true); // a stream delivers nothing until its owner reads
            stream.writeAndFlush(Unpooled.wrappedBuffer(payload));
            digests.add(digest.done);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(digests.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(sha256().digest(payloads.get(i)));
        }
        assertThat(session.openStreams()).isEqualTo(50);
        assertThat(session.isActive()).isTrue();
        session.close(CloseReason.SHUTDOWN);
        assertThat(session.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isEqualTo(CloseReason.SHUTDOWN);
    }

    @Test
    void aRefusedDestinationSurfacesTheServersSynackText() throws Exception {
        Session session = session();
        // the first stream teaches the client that the server speaks v2
        Channel first = session.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Digest digest = new Digest(1);
        first.pipeline().addLast(digest);
        first.config().setAutoRead(true); // a stream delivers nothing until its owner reads
        first.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
        digest.done.get(10, TimeUnit.SECONDS);
        assertThat(session.peerVersion()).isEqualTo(2);

        int closed = TestServers.closedPort();
        CompletableFuture<Channel> refused =
                session.openStream(new Destination("127.0.0.1", closed)).toCompletableFuture();

        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StreamRefusedException.class)
                .hasMessageContaining(String.valueOf(closed));
        assertThat(session.isActive()).isTrue();
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void aHeartbeatOnAFreshSessionIsAnsweredAndMeasured() throws Exception {
        Session session = session();
        Heartbeat heartbeat = session.capability(Heartbeat.class).orElseThrow();

        long rttNanos = heartbeat.ping().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(rttNanos).isPositive();
        assertThat(heartbeat.peerAnswers()).isTrue();
        assertThat(session.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS)
                .isActive()).isTrue();
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void aPausedReaderHoldsTheSessionUntilItReadsAgainWithoutLosingBytes() throws Exception {
        Session session = session();
        byte[] payload = randomBytes(3 * 1024 * 1024, 9);
        Channel stream = session.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        stream.config().setAutoRead(false);
        Digest digest = new Digest(payload.length);
        stream.pipeline().addLast(digest);

        stream.writeAndFlush(Unpooled.wrappedBuffer(payload));
        // nothing is read while autoRead is off: the stream's bounded queue fills and the session stops reading
        ClientSession client = (ClientSession) session;
        CompletableFuture<Boolean> paused = new CompletableFuture<>();
        pollUntilPaused(client, paused);
        assertThat(paused.get(20, TimeUnit.SECONDS)).isTrue();

        stream.config().setAutoRead(true);
        assertThat(digest.done.get(30, TimeUnit.SECONDS)).isEqualTo(sha256().digest(payload));
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void whileAReaderHoldsTheSessionItReportsPausedReadsAndNoNewReadsThenReadsAgain() throws Exception {
        ClientSession session = (ClientSession) session();
        byte[] payload = randomBytes(3 * 1024 * 1024, 11);
        Channel stream = session.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        stream.config().setAutoRead(false);
        Digest digest = new Digest(payload.length);
        stream.pipeline().addLast(digest);
        stream.writeAndFlush(Unpooled.wrappedBuffer(payload));
        CompletableFuture<Boolean> paused = new CompletableFuture<>();
        pollUntilPaused(session, paused);
        paused.get(20, TimeUnit.SECONDS);

        // what the heartbeat reads, 300 ms and 600 ms into the pause, on the session's loop
        long[] early = readingState(session, 300);
        long[] late = readingState(session, 300);
        assertThat(session.readsPaused()).isTrue();
        assertThat(late[0]).as("nothing read while paused").isEqualTo(early[0]);
        assertThat(late[1] - early[1]).as("paused time grows with the pause")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));

        stream.config().setAutoRead(true);
        assertThat(digest.done.get(30, TimeUnit.SECONDS)).isEqualTo(sha256().digest(payload));
        assertThat(session.readsPaused()).isFalse();
        assertThat(session.lastReadNanos()).as("reading again").isGreaterThan(late[0]);
        session.close(CloseReason.SHUTDOWN);
    }

    /** {lastReadNanos, readsPausedNanos} read on the session's event loop {@code delayMillis} from now. */
    private static long[] readingState(ClientSession session, long delayMillis) throws Exception {
        return session.executor().schedule(() -> new long[] {session.lastReadNanos(), session.readsPausedNanos()},
                delayMillis, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
    }

    /** Checks on the session's event loop, after each of its tasks, until its socket reads are off. */
    private static void pollUntilPaused(ClientSession session, CompletableFuture<Boolean> paused) {
        session.executor().execute(() -> {
            if (!session.channel().config().isAutoRead()) {
                paused.complete(true);
            } else if (!paused.isDone()) {
                session.executor().schedule(() -> pollUntilPaused(session, paused), 10, TimeUnit.MILLISECONDS);
            }
        });
    }
}
