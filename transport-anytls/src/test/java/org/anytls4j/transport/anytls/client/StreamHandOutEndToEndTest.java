package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.logging.LoggingHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.api.outbound.PacketOutbound;
import org.anytls4j.api.outbound.PacketStreams;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.core.inbound.ProxyInboundFactory;
import org.anytls4j.core.inbound.TestInboundContext;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.anytls4j.transport.anytls.server.TestServers;
import org.anytls4j.transport.anytls.stream.StreamChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stream hand-out contract end to end: core's local proxy inbound (SOCKS5, HTTP CONNECT, plain HTTP, SOCKS5
 * UDP ASSOCIATE over UoT) in front of our client, our server, and a destination that writes first (an SMTP-like
 * banner, an HTTP response sent before the request arrived). Between the session and the inbound sits an
 * outbound that, like a plugin author might, installs a handler of its own on each stream before handing it on:
 * a {@link LoggingHandler}, an {@link IdleStateHandler}, or a handler added from a foreign thread once the
 * destination's first bytes have reached the client. Every byte must reach the local client: a stream delivers
 * nothing until its owner reads, so nothing can pass those handlers and fall off the pipeline's end.
 *
 * <pre>
 *   test --SOCKS5/HTTP--> mixed inbound --> probe outbound --> anytls session --> anytls server --> destination
 * </pre>
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamHandOutEndToEndTest {
    /** Longer than one frame and one TLS record: the banner arrives in pieces. */
    private static final byte[] BANNER = banner(40_000);

    /** What the probe outbound puts on a stream before it hands it to the inbound. */
    enum FirstHandler {
        /** A {@code LoggingHandler}, added on the stream's loop as the stream is handed out. */
        LOGGING,
        /** An {@code IdleStateHandler}, added on the stream's loop as the stream is handed out. */
        IDLE,
        /** A {@code LoggingHandler} added from a foreign thread once the destination's first bytes arrived. */
        FOREIGN_THREAD
    }

    private ServerHarness server;
    private TestNetty clientNetty;
    private TestContext clientContext;
    private AnytlsSessionConnector connector;
    private Session session;
    private Inbound inbound;
    private InetSocketAddress proxy;
    private Channel origin;
    private final ExecutorService foreign = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "foreign-installer");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    void start() throws Exception {
        server = ServerHarness.start("");
        clientNetty = new TestNetty();
        clientContext = TestContext.client("probe", clientNetty);
        connector = (AnytlsSessionConnector) new AnytlsTransportFactory().create(
                TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + server.address.getPort()
                        + ", password = " + ServerHarness.PASSWORD + ", tls { insecure = true }"),
                clientContext);
        session = connector.connect(() -> 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void startProxy(FirstHandler first, boolean destinationWritesFirst) throws Exception {
        Outbound probe = new Probe(first, destinationWritesFirst);
        inbound = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed", "listen_port = 0"),
                new TestInboundContext("mixed", clientNetty, probe, new SimpleMeterRegistry()));
        proxy = inbound.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopProxyAndOrigin() throws Exception {
        if (inbound != null) {
            inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
            inbound = null;
        }
        if (origin != null) {
            origin.close().sync();
            origin = null;
        }
    }

    @AfterAll
    void stop() throws Exception {
        session.close(CloseReason.SHUTDOWN);
        connector.close();
        clientContext.close();
        foreign.shutdownNow();
        clientNetty.close();
        server.close();
    }

    @ParameterizedTest
    @EnumSource(FirstHandler.class)
    void socks5ClientGetsTheWholeBannerThenEchoes(FirstHandler first) throws Exception {
        origin = bannerThenEcho();
        startProxy(first, true);
        try (Socket socket = socket()) {
            socks5Connect(socket, TestServers.port(origin));
            assertBannerThenEcho(socket);
        }
    }

    @ParameterizedTest
    @EnumSource(FirstHandler.class)
    void httpConnectClientGetsTheWholeBannerThenEchoes(FirstHandler first) throws Exception {
        origin = bannerThenEcho();
        startProxy(first, true);
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            String target = "127.0.0.1:" + TestServers.port(origin);
            out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
            assertBannerThenEcho(socket);
        }
    }

    @ParameterizedTest
    @EnumSource(FirstHandler.class)
    void plainHttpClientGetsAResponseTheOriginSentBeforeTheRequest(FirstHandler first) throws Exception {
        byte[] body = banner(20_000);
        String head = "HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        origin = TestServers.start(server.netty.workerGroup(), () -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.write(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII));
                ctx.writeAndFlush(Unpooled.wrappedBuffer(body));
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // the request: the answer went out already
                ctx.close();
            }
        });
        startProxy(first, true);
        try (Socket socket = socket()) {
            String target = "127.0.0.1:" + TestServers.port(origin);
            socket.getOutputStream().write(("GET http://" + target + "/mail HTTP/1.1\r\nHost: " + target
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] all = socket.getInputStream().readAllBytes();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
            expected.writeBytes(body);
            assertThat(all).hasSize(expected.size());
            assertThat(Arrays.equals(all, expected.toByteArray())).as("the response, byte for byte").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(FirstHandler.class)
    void socks5UdpAssociationCarriesDatagramsBothWays(FirstHandler first) throws Exception {
        origin = new Bootstrap().group(server.netty.workerGroup()).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        ctx.writeAndFlush(new DatagramPacket(p.content().retain(), p.sender()));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        int echoPort = ((InetSocketAddress) origin.localAddress()).getPort();
        startProxy(first, false); // a UDP destination cannot speak before the client did
        try (Socket control = socket(); DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udp.setSoTimeout(10_000);
            InetSocketAddress relay = socks5(control, (byte) 3, 0);
            for (int i = 0; i < 3; i++) {
                byte[] payload = ("datagram " + i + " ").repeat(100 + i).getBytes(StandardCharsets.US_ASCII);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                request.writeBytes(new byte[] {0, 0, 0, 1, 127, 0, 0, 1, (byte) (echoPort >> 8), (byte) echoPort});
                request.writeBytes(payload);
                udp.send(new java.net.DatagramPacket(request.toByteArray(), request.size(), relay));
                java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[65535], 65535);
                udp.receive(reply);
                byte[] got = Arrays.copyOfRange(reply.getData(), 10, reply.getLength());
                assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(new String(payload,
                        StandardCharsets.US_ASCII));
            }
        }
    }

    // ---- the probe outbound --------------------------------------------------------------------------------

    /**
     * Opens streams on the test's session and installs its own first handler before handing each one on. When
     * the destination writes first, it hands the stream on only once the destination's first bytes reached the
     * client (held in the stream, or seen by the first handler): the case where data is there before the
     * inbound's handlers are.
     */
    private final class Probe implements PacketOutbound {
        private final FirstHandler first;
        private final boolean destinationWritesFirst;

        Probe(FirstHandler first, boolean destinationWritesFirst) {
            this.first = first;
            this.destinationWritesFirst = destinationWritesFirst;
        }

        @Override
        public String tag() {
            return "probe";
        }

        @Override
        public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
            return handOn(session.openStream(destination));
        }

        /** A UoT stream on the test's session, through the session's packet capability. */
        @Override
        public CompletionStage<Channel> openPackets(EventLoop eventLoop) {
            return handOn(session.capability(PacketStreams.class).orElseThrow().openPacketStream());
        }

        private CompletionStage<Channel> handOn(CompletionStage<Channel> opening) {
            CompletableFuture<Channel> result = new CompletableFuture<>();
            opening.whenComplete((stream, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                    return;
                }
                CompletableFuture<Void> arrived = new CompletableFuture<>();
                if (destinationWritesFirst) {
                    watchForData((StreamChannel) stream, arrived);
                } else {
                    arrived.complete(null);
                }
                switch (first) {
                    case LOGGING -> {
                        stream.pipeline().addLast("probe-first", new SignallingLoggingHandler(arrived));
                        arrived.thenRun(() -> result.complete(stream));
                    }
                    case IDLE -> {
                        stream.pipeline().addLast("probe-first", new SignallingIdleHandler(arrived));
                        arrived.thenRun(() -> result.complete(stream));
                    }
                    case FOREIGN_THREAD -> foreign.execute(() -> {
                        arrived.join();
                        stream.pipeline().addLast("probe-first", new LoggingHandler());
                        result.complete(stream);
                    });
                    default -> throw new AssertionError(first);
                }
            });
            return result;
        }
    }

    /** Completes {@code arrived} once {@code stream} holds data it has not delivered (checked each millisecond). */
    private static void watchForData(StreamChannel stream, CompletableFuture<Void> arrived) {
        stream.eventLoop().schedule(() -> {
            if (arrived.isDone()) {
                return;
            }
            if (stream.queuedBytes() > 0 || !stream.isOpen()) {
                arrived.complete(null);
            } else {
                watchForData(stream, arrived);
            }
        }, 1, TimeUnit.MILLISECONDS);
    }

    /** A logging handler that also notes that data passed it (what a live stream with a first handler does). */
    private static final class SignallingLoggingHandler extends LoggingHandler {
        private final CompletableFuture<Void> arrived;

        SignallingLoggingHandler(CompletableFuture<Void> arrived) {
            this.arrived = arrived;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            super.channelRead(ctx, msg);
            arrived.complete(null);
        }
    }

    /** An idle handler (one minute, never fires here) that also notes that data passed it. */
    private static final class SignallingIdleHandler extends IdleStateHandler {
        private final CompletableFuture<Void> arrived;

        SignallingIdleHandler(CompletableFuture<Void> arrived) {
            super(0, 0, 60);
            this.arrived = arrived;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            super.channelRead(ctx, msg);
            arrived.complete(null);
        }
    }

    // ---- destinations and the local client -----------------------------------------------------------------

    /** A destination that greets first (the whole {@link #BANNER}), then echoes. */
    private Channel bannerThenEcho() {
        return TestServers.start(server.netty.workerGroup(), () -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(BANNER));
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.writeAndFlush(msg).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
    }

    private Socket socket() throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(10_000);
        socket.connect(proxy, 10_000);
        return socket;
    }

    private static void assertBannerThenEcho(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] banner = in.readNBytes(BANNER.length);
        assertThat(banner).hasSize(BANNER.length);
        assertThat(Arrays.equals(banner, BANNER)).as("the banner, byte for byte").isTrue();
        socket.getOutputStream().write("EHLO client\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        assertThat(new String(in.readNBytes(13), StandardCharsets.US_ASCII)).isEqualTo("EHLO client\r\n");
    }

    private static void socks5Connect(Socket socket, int port) throws IOException {
        socks5(socket, (byte) 1, port);
    }

    /** A SOCKS5 handshake without authentication and one request to 127.0.0.1:port; returns BND.ADDR:BND.PORT. */
    private static InetSocketAddress socks5(Socket socket, byte command, int port) throws IOException {
        OutputStream out = socket.getOutputStream();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        out.write(new byte[] {5, 1, 0});
        out.flush();
        assertThat(in.readNBytes(2)).containsExactly(5, 0);
        out.write(new byte[] {5, command, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port});
        out.flush();
        byte[] head = in.readNBytes(4);
        assertThat(head[1]).as("SOCKS5 reply code").isZero();
        byte[] address = in.readNBytes(head[3] == 4 ? 16 : 4);
        int boundPort = in.readUnsignedShort();
        return new InetSocketAddress(InetAddress.getByAddress(address), boundPort);
    }

    /** Reads an HTTP response head, up to and including the empty line, without reading past it. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static byte[] banner(int length) {
        byte[] banner = new byte[length];
        byte[] greeting = "220 mail.example ESMTP ready\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            banner[i] = i < greeting.length ? greeting[i] : (byte) ('a' + (i * 7 + i / 26) % 26);
        }
        return banner;
    }
}
