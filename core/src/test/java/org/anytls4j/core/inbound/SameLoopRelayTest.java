package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.outbound.DirectOutbound;
import org.anytls4j.core.relay.LeakCheck;
import org.anytls4j.core.relay.Relay;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A local connection is relayed on its stream's event loop: a pooled stream lives on its session's loop, which
 * is seldom the loop that accepted the local connection, and a relay across two loops pays a task and a wake-up
 * for every write and flush. The inbound moves the local connection to the stream's loop before the relay starts,
 * losing nothing: the bytes the client sent right behind its request, then a few MiB each way at once.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SameLoopRelayTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int TRANSFER = 4 << 20;

    private NettyResources netty;
    private DirectOutbound direct;
    private ServerSocket echo;
    private Inbound inbound;
    private int port;
    private final BlockingQueue<Channel> opened = new LinkedBlockingQueue<>();

    NettyResources newNetty() {
        return new TestNetty();
    }

    /** Opens every stream to the echo origin on a worker loop other than the one the inbound offers. */
    private final class OtherLoop implements Outbound {
        @Override
        public String tag() {
            return "other-loop";
        }

        @Override
        public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
            EventLoop other = null;
            for (EventExecutor e : netty.workerGroup()) {
                if (e != eventLoop) {
                    other = (EventLoop) e;
                    break;
                }
            }
            assertThat(other).as("a second worker loop").isNotNull();
            return direct.open(new Destination("127.0.0.1", echo.getLocalPort()), other).thenApply(ch -> {
                opened.add(ch);
                return ch;
            });
        }
    }

    @BeforeAll
    void start() throws Exception {
        netty = newNetty();
        direct = new DirectOutbound("direct", ConfigFactory.parseString("connect_timeout = 5s"), netty);
        echo = new ServerSocket(0, 50, LOOPBACK);
        Thread acceptor = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // the test ended the connection
                        }
                    }, "same-loop-echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "same-loop-origin");
        acceptor.setDaemon(true);
        acceptor.start();
        inbound = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed", "listen_port = 0"),
                new TestInboundContext("mixed-same-loop", netty, new OtherLoop(), new SimpleMeterRegistry()));
        port = inbound.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
    }

    @AfterAll
    void stop() throws Exception {
        inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        echo.close();
        direct.close();
        ((AutoCloseable) netty).close();
    }

    @BeforeEach
    void forget() {
        opened.clear();
    }

    private Socket local() throws IOException {
        Socket s = new Socket(LOOPBACK, port);
        s.setSoTimeout(20_000);
        return s;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} from another thread while this one reads the echo; returns what came back. */
    private static byte[] echoed(Socket s, byte[] data) throws Exception {
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (int off = 0; off < data.length; off += 32 * 1024) {
                    out.write(data, off, Math.min(32 * 1024, data.length - off));
                }
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] back = new byte[data.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        written.get(20, TimeUnit.SECONDS);
        return back;
    }

    /** The relay of this test's stream runs with both of its channels on the stream's loop. */
    private void assertOneLoop() throws Exception {
        Channel stream = opened.poll(10, TimeUnit.SECONDS);
        assertThat(stream).as("the stream was opened").isNotNull();
        Channel local = stream.eventLoop().submit(() -> Relay.peer(stream)).get(10, TimeUnit.SECONDS);
        assertThat(local).as("the relay's local side").isNotNull();
        assertThat(local.eventLoop()).as("the local connection's event loop").isSameAs(stream.eventLoop());
        assertThat(local.config().getRecvByteBufAllocator().newHandle().guess())
                .as("the local connection reads with the host's stream read allocator").isEqualTo(16 * 1024);
        assertThat(stream.config().getRecvByteBufAllocator().newHandle().guess())
                .as("the direct outbound reads with the host's stream read allocator").isEqualTo(16 * 1024);
    }

    @Test
    void socks5ConnectionMovesToItsStreamsLoopWithTheBytesSentBehindTheRequest() throws Exception {
        try (Socket s = local()) {
            OutputStream out = s.getOutputStream();
            byte[] early = random(64 * 1024, 1);
            byte[] request = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80};
            byte[] pipelined = Arrays.copyOf(request, request.length + early.length);
            System.arraycopy(early, 0, pipelined, request.length, early.length);
            out.write(pipelined); // greeting, request and payload in one write, before any reply
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[2]);
            byte[] reply = new byte[4];
            in.readFully(reply);
            assertThat(reply[1]).as("SOCKS5 reply code").isZero();
            in.readFully(new byte[reply[3] == 4 ? 16 + 2 : 4 + 2]);
            byte[] earlyBack = new byte[early.length];
            in.readFully(earlyBack);
            assertThat(earlyBack).as("the bytes sent behind the request").isEqualTo(early);
            byte[] data = random(TRANSFER, 2);
            assertThat(echoed(s, data)).isEqualTo(data);
            assertOneLoop();
        }
    }

    @Test
    void httpConnectTunnelMovesToItsStreamsLoop() throws Exception {
        try (Socket s = local()) {
            s.getOutputStream().write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            LocalResetTest.readUntil(s.getInputStream(), "\r\n\r\n");
            byte[] data = random(TRANSFER, 3);
            assertThat(echoed(s, data)).isEqualTo(data);
            assertOneLoop();
        }
    }

    @Test
    void plainHttpRequestWithItsBodyMovesToItsStreamsLoop() throws Exception {
        try (Socket s = local()) {
            byte[] body = new byte[64 * 1024];
            Random random = new Random(4);
            for (int i = 0; i < body.length; i++) {
                body[i] = (byte) ('a' + random.nextInt(26));
            }
            OutputStream out = s.getOutputStream();
            out.write(("POST http://example.com/upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            InputStream in = s.getInputStream();
            LocalResetTest.readUntil(in, "POST /upload HTTP/1.1"); // the origin echoes the forwarded request
            LocalResetTest.readUntil(in, "\r\n\r\n");
            byte[] back = new byte[body.length];
            new DataInputStream(in).readFully(back);
            assertThat(back).as("the request body, through the stream and back").isEqualTo(body);
            assertOneLoop();
        }
    }

    @Test
    void manyConnectionsAtOnceAllCarryTheirData() throws Exception {
        CompletableFuture<?>[] all = new CompletableFuture<?>[32];
        for (int i = 0; i < all.length; i++) {
            long seed = 100 + i;
            all[i] = CompletableFuture.runAsync(() -> {
                try (Socket s = local()) {
                    OutputStream out = s.getOutputStream();
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    out.write(new byte[] {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80});
                    in.readFully(new byte[2]);
                    byte[] reply = new byte[4];
                    in.readFully(reply);
                    in.readFully(new byte[reply[3] == 4 ? 16 + 2 : 4 + 2]);
                    byte[] data = random(256 * 1024, seed);
                    assertThat(echoed(s, data)).isEqualTo(data);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        CompletableFuture.allOf(all).get(50, TimeUnit.SECONDS);
    }
}
