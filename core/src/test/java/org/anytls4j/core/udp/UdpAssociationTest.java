package org.anytls4j.core.udp;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.inbound.ProxyInboundFactory;
import org.anytls4j.core.inbound.TestInboundContext;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.core.outbound.DirectOutbound;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SOCKS5 UDP ASSOCIATE through the mixed inbound, relayed by the {@code direct} outbound's packet channel (a plain
 * UDP socket) to a UDP echo on 127.0.0.1; and refused with {@code 0x07} by an outbound that cannot carry UDP.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpAssociationTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private TestNetty netty;
    private DirectOutbound direct;
    private DatagramSocket echo;
    private Inbound inbound;
    private int inboundPort;

    /** Only streams: no packet channel. */
    private final class StreamsOnly implements Outbound {
        @Override
        public String tag() {
            return "streams-only";
        }

        @Override
        public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
            return direct.open(destination, eventLoop);
        }
    }

    @BeforeEach
    void start() throws Exception {
        netty = new TestNetty();
        direct = new DirectOutbound("direct", ConfigFactory.parseString("connect_timeout = 5s"), netty);
        echo = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        Thread echoThread = new Thread(this::echo, "udp-echo");
        echoThread.setDaemon(true);
        echoThread.start();
    }

    private void startInbound(String overrides, Outbound route) throws Exception {
        inbound = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed", overrides),
                new TestInboundContext("mixed-udp", netty, route, new SimpleMeterRegistry()));
        inboundPort = inbound.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
    }

    @AfterEach
    void stop() throws Exception {
        inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        echo.close();
        direct.close();
        netty.close();
    }

    private void echo() {
        byte[] buf = new byte[65536];
        while (!echo.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                echo.receive(p);
                echo.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Sends the greeting and UDP ASSOCIATE on {@code control}; returns the reply's first 10 bytes. */
    private static byte[] associateReply(Socket control) throws IOException {
        OutputStream out = control.getOutputStream();
        InputStream in = control.getInputStream();
        out.write(new byte[] {0x05, 0x01, 0x00});
        assertThat(in.readNBytes(2)).containsExactly(0x05, 0x00);
        out.write(new byte[] {0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0}); // UDP ASSOCIATE, no hint
        return in.readNBytes(10);
    }

    /** Sends the greeting and UDP ASSOCIATE on {@code control}; returns the relay address of the reply. */
    private static InetSocketAddress associate(Socket control) throws IOException {
        byte[] reply = associateReply(control);
        assertThat(Arrays.copyOf(reply, 4)).containsExactly(0x05, 0x00, 0x00, 0x01);
        return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(reply, 4, 8)),
                ((reply[8] & 0xFF) << 8) | (reply[9] & 0xFF));
    }

    @Test
    void anIdleAssociationEndsAfterUdpTimeoutClosingTheControlConnection() throws Exception {
        startInbound("listen_port = 0, udp_timeout = 1s", direct);
        try (Socket control = new Socket(LOOPBACK, inboundPort)) {
            control.setSoTimeout(10_000);
            associate(control);
            assertThat(control.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void datagramsGoThroughTheDirectOutboundToTheEchoAndBack() throws Exception {
        startInbound("listen_port = 0", direct);
        try (Socket control = new Socket(LOOPBACK, inboundPort);
                DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            control.setSoTimeout(10_000);
            client.setSoTimeout(10_000);
            InetSocketAddress relay = associate(control);
            assertThat(relay.getAddress()).isEqualTo(LOOPBACK);

            int echoPort = echo.getLocalPort();
            ByteBuffer first = ByteBuffer.allocate(64).put(new byte[] {0, 0, 0, 0x01, 127, 0, 0, 1})
                    .putShort((short) echoPort).put("ping-1".getBytes(StandardCharsets.UTF_8));
            assertEchoed(client, relay, first, echoPort, "ping-1");

            // a name, resolved by the direct outbound as it resolves TCP destinations (the hosts file first)
            ByteBuffer second = ByteBuffer.allocate(64).put(new byte[] {0, 0, 0, 0x03, 9})
                    .put("localhost".getBytes(StandardCharsets.US_ASCII)).putShort((short) echoPort)
                    .put("ping-2".getBytes(StandardCharsets.UTF_8));
            assertEchoed(client, relay, second, echoPort, "ping-2");
        }
    }

    @Test
    void anOutboundWithoutPacketsIsRefusedWithCommandNotSupported() throws Exception {
        startInbound("listen_port = 0", new StreamsOnly());
        try (Socket control = new Socket(LOOPBACK, inboundPort)) {
            control.setSoTimeout(10_000);
            assertThat(Arrays.copyOf(associateReply(control), 2)).containsExactly(0x05, 0x07);
            assertThat(control.getInputStream().read()).isEqualTo(-1);
        }
    }

    private static void assertEchoed(DatagramSocket client, InetSocketAddress relay, ByteBuffer request,
            int echoPort, String payload) throws IOException {
        client.send(new DatagramPacket(request.array(), request.position(), relay));
        DatagramPacket answer = new DatagramPacket(new byte[65536], 65536);
        client.receive(answer);
        byte[] data = Arrays.copyOf(answer.getData(), answer.getLength());
        // RFC 1928 section 7: RSV RSV FRAG ATYP=1 127.0.0.1 port payload; the source is the echo
        assertThat(Arrays.copyOf(data, 8)).containsExactly(0, 0, 0, 0x01, 127, 0, 0, 1);
        assertThat(((data[8] & 0xFF) << 8) | (data[9] & 0xFF)).isEqualTo(echoPort);
        assertThat(new String(data, 10, data.length - 10, StandardCharsets.UTF_8)).isEqualTo(payload);
    }
}
