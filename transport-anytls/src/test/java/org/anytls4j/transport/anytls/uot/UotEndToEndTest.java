package org.anytls4j.transport.anytls.uot;

import static org.anytls4j.transport.anytls.server.RawTlsClient.concat;
import static org.anytls4j.transport.anytls.server.RawTlsClient.frame;
import static org.anytls4j.transport.anytls.server.RawTlsClient.preamble;
import static org.anytls4j.transport.anytls.server.RawTlsClient.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.server.RawTlsClient;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** UDP over TCP v2 through the real server to a UDP echo on 127.0.0.1. */
@Timeout(60)
class UotEndToEndTest {
    private static final byte[] MAGIC = HexFormat.of().parseHex("031773702e76322e7564702d6f7665722d7463702e617270610000");

    private static Channel udpEcho(ServerHarness server) throws InterruptedException {
        return new Bootstrap().group(server.netty.workerGroup()).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        ctx.writeAndFlush(new DatagramPacket(p.content().retain(), p.sender()));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    private static RawTlsClient session(ServerHarness server) throws Exception {
        RawTlsClient client = server.client();
        client.sendRecord(concat(preamble(ServerHarness.PASSWORD, 30),
                settings("v=2\npadding-md5=75cff2ad89aadf5e257059ee571ebe11")));
        assertThat(client.expect(Command.SERVER_SETTINGS, 0)).isEqualTo("v=2");
        return client;
    }

    @Test
    void connectedModeDatagramsGoBothWays() throws Exception {
        try (ServerHarness server = ServerHarness.start("")) {
            Channel echo = udpEcho(server);
            int port = ((InetSocketAddress) echo.localAddress()).getPort();
            try (RawTlsClient client = session(server)) {
                client.sendRecord(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, MAGIC)));
                byte[] header = {1, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port};
                client.sendRecord(frame(Command.PSH, 1, concat(header, new byte[] {0, 4}, "ping".getBytes(StandardCharsets.US_ASCII))));
                assertThat(client.expect(Command.SYNACK, 1)).isEmpty();
                assertThat(hexOfNext(client)).isEqualTo("0004" + HexFormat.of().formatHex("ping".getBytes(StandardCharsets.US_ASCII)));
                assertThat(server.route.opened).as("UoT does not go through the TCP route").isEmpty();
            } finally {
                echo.close().sync();
            }
        }
    }

    @Test
    void nonConnectedModeNamesTheSourceOfEachReply() throws Exception {
        try (ServerHarness server = ServerHarness.start("")) {
            Channel echo = udpEcho(server);
            int port = ((InetSocketAddress) echo.localAddress()).getPort();
            byte[] address = {0, 127, 0, 0, 1, (byte) (port >> 8), (byte) port}; // UoT family 0 = IPv4
            try (RawTlsClient client = session(server)) {
                client.sendRecord(concat(frame(Command.SYN, 1), frame(Command.PSH, 1, MAGIC)));
                client.sendRecord(frame(Command.PSH, 1, concat(new byte[] {0, 1, 1, 1, 1, 1, 0, 53}, address,
                        new byte[] {0, 2, 'h', 'i'})));
                assertThat(client.expect(Command.SYNACK, 1)).isEmpty();
                assertThat(hexOfNext(client)).isEqualTo(HexFormat.of().formatHex(address) + "00026869");
            } finally {
                echo.close().sync();
            }
        }
    }

    private static String hexOfNext(RawTlsClient client) throws InterruptedException {
        Frame f = client.next(Duration.ofSeconds(10));
        try {
            assertThat(f.command()).isEqualTo(Command.PSH);
            return ByteBufUtil.hexDump(f.data());
        } finally {
            f.release();
        }
    }
}
