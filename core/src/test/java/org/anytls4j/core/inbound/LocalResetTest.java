package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.outbound.PacketOutbound;
import org.anytls4j.api.outbound.StreamResetException;
import org.anytls4j.core.outbound.DirectOutbound;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Abnormal end = reset (issue 8): when the outbound stream behind a local proxy connection is cut
 * ({@link StreamResetException} fired through its pipeline, as a transport does when the session dies), the local
 * connection ends with a TCP RST, so the application's next read fails with "Connection reset" instead of a
 * clean EOF after a truncated body. Every local protocol: SOCKS5, SOCKS4, HTTP CONNECT, plain HTTP, and the
 * control connection of a SOCKS5 UDP association. A clean end of the outbound still gives a clean EOF.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalResetTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** A response whose body ends with the connection: a clean EOF after it looks like a complete transfer. */
    private static final String PARTIAL = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst bytes";

    private NettyResources netty;
    private DirectOutbound direct;
    private ServerSocket origin;
    private Inbound inbound;
    private int port;
    /** The outbound side of each local connection, in the order they were opened. */
    private final BlockingQueue<Channel> opened = new LinkedBlockingQueue<>();
    /** The origin's side of each connection, so a test can end it cleanly. */
    private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    /** Makes the outbound hand out streams that were already cut. */
    private volatile boolean cutBeforeHandOut;
    /** This test's outbound side, once {@link #stream()} took it. */
    private Channel current;

    /** The event loops and socket types under test: NIO here, epoll in {@link LocalResetEpollTest}. */
    NettyResources newNetty() {
        return new TestNetty();
    }

    /**
     * Opens every stream to the origin (a direct connection stands in for a multiplexed stream), packet streams
     * too: the UDP association's test only cuts its stream, it never sends a datagram on it.
     */
    private final class Recording implements PacketOutbound {
        @Override
        public String tag() {
            return "recording";
        }

        @Override
        public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
            return direct.open(new Destination("127.0.0.1", origin.getLocalPort()), eventLoop)
                    .thenCompose(ch -> {
                        opened.add(ch);
                        CompletableFuture<Channel> handedOut = new CompletableFuture<>();
                        if (cutBeforeHandOut) { // the session died as the stream was handed out
                            ch.close().addListener(f -> handedOut.complete(ch));
                        } else {
                            handedOut.complete(ch);
                        }
                        return handedOut;
                    });
        }

        @Override
        public CompletionStage<Channel> openPackets(EventLoop eventLoop) {
            return open(new Destination("127.0.0.1", 0), eventLoop);
        }
    }

    @BeforeAll
    void start() throws Exception {
        netty = newNetty();
        direct = new DirectOutbound("direct", ConfigFactory.parseString("connect_timeout = 5s"), netty);
        origin = new ServerSocket(0, 50, LOOPBACK);
        Thread acceptor = new Thread(() -> {
            while (!origin.isClosed()) {
                try {
                    Socket s = origin.accept();
                    s.getOutputStream().write(PARTIAL.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    accepted.add(s); // held open: the body never completes unless the test ends it
                } catch (IOException e) {
                    return;
                }
            }
        }, "local-reset-origin");
        acceptor.setDaemon(true);
        acceptor.start();
        inbound = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed", "listen_port = 0"),
                new TestInboundContext("mixed-reset", netty, new Recording(), new SimpleMeterRegistry()));
        port = inbound.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
    }

    @AfterAll
    void stop() throws Exception {
        inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (Socket s : accepted) {
            s.close();
        }
        origin.close();
        direct.close();
        ((AutoCloseable) netty).close();
    }

    @BeforeEach
    void forgetEarlierConnections() throws IOException {
        cutBeforeHandOut = false;
        current = null;
        opened.clear();
        Socket s;
        while ((s = accepted.poll()) != null) {
            s.close();
        }
    }

    private Socket local() throws IOException {
        Socket s = new Socket(LOOPBACK, port);
        s.setSoTimeout(10_000);
        return s;
    }

    /** This test's outbound side (the first opened since the test began). */
    private Channel stream() throws InterruptedException {
        if (current == null) {
            current = opened.poll(10, TimeUnit.SECONDS);
            assertThat(current).as("the outbound side was opened").isNotNull();
        }
        return current;
    }

    /**
     * The origin's side of this test's stream: the accepted socket whose peer is the stream's local address, so
     * that a connection of an earlier test that the origin accepted late is never taken for this one.
     */
    private Socket originOfTheStream() throws InterruptedException, IOException {
        int streamPort = ((InetSocketAddress) stream().localAddress()).getPort();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Socket s = accepted.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(s).as("the origin accepted the stream's connection").isNotNull();
            if (s.getPort() == streamPort) {
                return s;
            }
            s.close(); // an earlier test's
        }
    }

    /** Cuts the outbound side as a transport does when the session under the stream dies. */
    private void cutTheStream() throws InterruptedException {
        Channel stream = stream();
        stream.eventLoop().execute(() -> stream.pipeline().fireExceptionCaught(
                new StreamResetException(CloseReason.HEARTBEAT_TIMEOUT, "session #1 heartbeat timeout")));
    }

    static void readUntil(InputStream in, String expected) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains(expected)) {
            int b = in.read();
            assertThat(b).as("EOF before '%s', saw '%s'", expected, seen).isNotNegative();
            seen.append((char) b);
        }
    }

    /** After the cut, the local socket's next read fails with a reset, however long it waits. */
    private static void assertReset(Socket s) {
        assertThatThrownBy(() -> {
            byte[] buf = new byte[4096];
            while (s.getInputStream().read(buf) >= 0) {
                // drain what was relayed before the cut
            }
        }).isInstanceOf(SocketException.class).hasMessageContaining("Connection reset");
    }

    private static void socks5Connect(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        out.write(new byte[] {5, 1, 0});
        assertThat(in.readUnsignedByte()).isEqualTo(5);
        assertThat(in.readUnsignedByte()).isZero();
        out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, 0, 80});
        byte[] reply = new byte[4];
        in.readFully(reply);
        assertThat(reply[1]).as("SOCKS5 reply code").isZero();
        in.readFully(new byte[reply[3] == 4 ? 16 + 2 : 4 + 2]);
    }

    @Test
    void socks5ConnectionIsResetWhenItsStreamIsCut() throws Exception {
        try (Socket s = local()) {
            socks5Connect(s);
            readUntil(s.getInputStream(), "first bytes");
            cutTheStream();
            assertReset(s);
        }
    }

    @Test
    void socks4ConnectionIsResetWhenItsStreamIsCut() throws Exception {
        try (Socket s = local()) {
            s.getOutputStream().write(new byte[] {4, 1, 0, 80, 127, 0, 0, 1, 'u', 0});
            byte[] reply = new byte[8];
            new DataInputStream(s.getInputStream()).readFully(reply);
            assertThat(reply[1]).as("SOCKS4 reply code").isEqualTo((byte) 90);
            readUntil(s.getInputStream(), "first bytes");
            cutTheStream();
            assertReset(s);
        }
    }

    @Test
    void httpConnectTunnelIsResetWhenItsStreamIsCut() throws Exception {
        try (Socket s = local()) {
            s.getOutputStream().write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            readUntil(s.getInputStream(), "200 Connection established");
            readUntil(s.getInputStream(), "first bytes");
            cutTheStream();
            assertReset(s);
        }
    }

    @Test
    void plainHttpProxyConnectionIsResetWhenItsStreamIsCut() throws Exception {
        try (Socket s = local()) {
            s.getOutputStream().write("GET http://example.com/big HTTP/1.1\r\nHost: example.com\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            readUntil(s.getInputStream(), "first bytes");
            cutTheStream();
            assertReset(s);
        }
    }

    @Test
    void udpAssociationControlConnectionIsResetWhenItsStreamIsCut() throws Exception {
        try (Socket s = local()) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(new byte[] {5, 1, 0});
            in.readFully(new byte[2]);
            out.write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0});
            byte[] reply = new byte[4];
            in.readFully(reply);
            assertThat(reply[1]).as("SOCKS5 UDP ASSOCIATE reply code").isZero();
            in.readFully(new byte[reply[3] == 4 ? 16 + 2 : 4 + 2]);
            cutTheStream();
            assertReset(s);
        }
    }

    @Test
    void aStreamCutBeforeTheRelayStartsResetsTheLocalConnection() throws Exception {
        cutBeforeHandOut = true;
        try (Socket s = local()) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {5, 1, 0});
            out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, 0, 80});
            assertReset(s); // the success reply may or may not get through before the reset
        }
    }

    @Test
    void aPlainHttpRequestWhoseStreamIsCutBeforeTheRelayStartsIsReset() throws Exception {
        cutBeforeHandOut = true;
        try (Socket s = local()) {
            s.getOutputStream().write("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertReset(s);
        }
    }

    /** {@code curl --socks5} of the origin's response, in the background. */
    private CompletableFuture<Curl.Result> curlThroughSocks5() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Curl.run("--socks5", "127.0.0.1:" + port, "http://127.0.0.1:" + origin.getLocalPort() + "/");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Waits until curl's request reached the origin: curl is past the SOCKS handshake, waiting for the body. */
    private Socket originWithRequest() throws Exception {
        Socket originSide = originOfTheStream();
        readUntil(originSide.getInputStream(), "\r\n\r\n");
        return originSide;
    }

    @Test
    void curlReportsAResetNotACompleteFileWhenTheStreamIsCut() throws Exception {
        CompletableFuture<Curl.Result> curl = curlThroughSocks5();
        originWithRequest();
        cutTheStream();
        Curl.Result r = curl.get(30, TimeUnit.SECONDS);
        assertThat(r.exit()).as("curl: %s", r.err()).isEqualTo(56); // CURLE_RECV_ERROR
        assertThat(r.err()).contains("Connection reset by peer");
    }

    @Test
    void withACleanEndCurlTakesTheSameTruncatedBodyForComplete() throws Exception {
        CompletableFuture<Curl.Result> curl = curlThroughSocks5();
        originWithRequest().shutdownOutput();
        Curl.Result r = curl.get(30, TimeUnit.SECONDS);
        assertThat(r.exit()).as("why a cut stream must not end with a FIN").isZero();
        assertThat(r.out()).isEqualTo("first bytes");
    }

    @Test
    void aCleanEndOfTheOutboundStillEndsTheLocalConnectionCleanly() throws Exception {
        try (Socket s = local()) {
            socks5Connect(s);
            readUntil(s.getInputStream(), "first bytes");
            Socket originSide = originOfTheStream();
            originSide.shutdownOutput();
            assertThat(s.getInputStream().read()).as("clean EOF").isEqualTo(-1);
        }
    }
}
