package org.anytls4j.core.udp;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
 * SOCKS5 UDP ASSOCIATE through the mixed inbound, carried as UDP over TCP v2 to an in-test UoT server (plain TCP,
 * parsing PROTOCOL.md sections 11 and 15 independently of the production code) that relays to a UDP echo.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpAssociationTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private TestNetty netty;
    private DirectOutbound direct;
    private DatagramSocket echo;
    private ServerSocket uotServer;
    private Inbound inbound;
    private int inboundPort;
    private final List<String> serverLog = new CopyOnWriteArrayList<>();
    private final CountDownLatch serverSawEof = new CountDownLatch(1);

    /** Connects every stream to the UoT server, writing the stream's destination first as AnyTLS would. */
    private final class ToUotServer implements Outbound {
        @Override
        public String tag() {
            return "uot-test";
        }

        @Override
        public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
            return direct.open(new Destination("127.0.0.1", uotServer.getLocalPort()), eventLoop).thenApply(ch -> {
                ByteBuf address = ch.alloc().buffer();
                address.writeByte(0x03).writeByte(destination.host().length())
                        .writeCharSequence(destination.host(), StandardCharsets.US_ASCII);
                address.writeShort(destination.port());
                ch.writeAndFlush(address);
                return ch;
            });
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
        uotServer = new ServerSocket(0, 5, LOOPBACK);
        Thread serverThread = new Thread(this::serveUot, "uot-server");
        serverThread.setDaemon(true);
        serverThread.start();
    }

    private void startInbound(String overrides) throws Exception {
        inbound = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed", overrides),
                new TestInboundContext("mixed-udp", netty, new ToUotServer(), new SimpleMeterRegistry()));
        inboundPort = inbound.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
    }

    @AfterEach
    void stop() throws Exception {
        inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        echo.close();
        uotServer.close();
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

    /** One UoT v2 connection: destination, request header, then non-connected packets relayed over UDP. */
    private void serveUot() {
        try (Socket s = uotServer.accept(); DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            s.setSoTimeout(20_000);
            udp.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            serverLog.add("destination " + readSocksAddress(in) + ":" + in.readUnsignedShort());
            serverLog.add("isConnect " + in.readUnsignedByte());
            serverLog.add("header destination " + readSocksAddress(in) + ":" + in.readUnsignedShort());
            while (true) {
                int family = in.read();
                if (family < 0) {
                    serverSawEof.countDown();
                    return;
                }
                String host = readAddress(in, family == 0 ? 1 : family == 1 ? 4 : 3);
                int port = in.readUnsignedShort();
                byte[] payload = new byte[in.readUnsignedShort()];
                in.readFully(payload);
                serverLog.add("packet to " + host + ":" + port + " " + new String(payload, StandardCharsets.UTF_8));
                udp.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(host), port));
                DatagramPacket reply = new DatagramPacket(new byte[65536], 65536);
                udp.receive(reply);
                out.writeByte(0); // IPv4 source
                out.write(reply.getAddress().getAddress());
                out.writeShort(reply.getPort());
                out.writeShort(reply.getLength());
                out.write(reply.getData(), 0, reply.getLength());
                out.flush();
            }
        } catch (EOFException eof) {
            serverSawEof.countDown();
        } catch (IOException e) {
            serverLog.add("error " + e);
        }
    }

    private static String readSocksAddress(DataInputStream in) throws IOException {
        return readAddress(in, in.readUnsignedByte());
    }

    private static String readAddress(DataInputStream in, int atyp) throws IOException {
        switch (atyp) {
            case 1 -> {
                byte[] a = new byte[4];
                in.readFully(a);
                return InetAddress.getByAddress(a).getHostAddress();
            }
            case 3 -> {
                byte[] name = new byte[in.readUnsignedByte()];
                in.readFully(name);
                return new String(name, StandardCharsets.US_ASCII);
            }
            default -> throw new IOException("unexpected address type " + atyp);
        }
    }

    /** Sends the greeting and UDP ASSOCIATE on {@code control}; returns the relay address of the reply. */
    private static InetSocketAddress associate(Socket control) throws IOException {
        OutputStream out = control.getOutputStream();
        InputStream in = control.getInputStream();
        out.write(new byte[] {0x05, 0x01, 0x00});
        assertThat(in.readNBytes(2)).containsExactly(0x05, 0x00);
        out.write(new byte[] {0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0}); // UDP ASSOCIATE, no hint
        byte[] reply = in.readNBytes(10);
        assertThat(Arrays.copyOf(reply, 4)).containsExactly(0x05, 0x00, 0x00, 0x01);
        return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(reply, 4, 8)),
                ((reply[8] & 0xFF) << 8) | (reply[9] & 0xFF));
    }

    @Test
    void anIdleAssociationEndsAfterUdpTimeoutClosingControlAndStream() throws Exception {
        startInbound("listen_port = 0, udp_timeout = 1s");
        try (Socket control = new Socket(LOOPBACK, inboundPort)) {
            control.setSoTimeout(10_000);
            associate(control);
            assertThat(serverSawEof.await(10, TimeUnit.SECONDS)).as("UoT stream closed: " + serverLog).isTrue();
            assertThat(control.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void datagramsGoThroughUotToTheEchoAndBack() throws Exception {
        startInbound("listen_port = 0");
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

            ByteBuffer second = ByteBuffer.allocate(64).put(new byte[] {0, 0, 0, 0x03, 9})
                    .put("localhost".getBytes(StandardCharsets.US_ASCII)).putShort((short) echoPort)
                    .put("ping-2".getBytes(StandardCharsets.UTF_8));
            assertEchoed(client, relay, second, echoPort, "ping-2");

            assertThat(serverLog).containsExactly(
                    "destination sp.v2.udp-over-tcp.arpa:0",
                    "isConnect 0",
                    "header destination 127.0.0.1:" + echoPort,
                    "packet to 127.0.0.1:" + echoPort + " ping-1",
                    "packet to localhost:" + echoPort + " ping-2");
        }
        // the control connection is closed: the association ends, and with it the UoT stream
        assertThat(serverSawEof.await(10, TimeUnit.SECONDS)).as("UoT stream closed: " + serverLog).isTrue();
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
