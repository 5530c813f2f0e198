package org.anytls4j.transport.anytls.server;

import static org.anytls4j.transport.anytls.server.RawTlsClient.concat;
import static org.anytls4j.transport.anytls.server.RawTlsClient.frame;
import static org.anytls4j.transport.anytls.server.RawTlsClient.ipv4;
import static org.anytls4j.transport.anytls.server.RawTlsClient.preamble;
import static org.anytls4j.transport.anytls.server.RawTlsClient.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The anytls inbound end to end over real TLS on 127.0.0.1, driven by a raw-frame test client. */
@Timeout(120)
class AnytlsInboundTest {
    private static final String SETTINGS_V2 = "v=2\nclient=raw-test\npadding-md5=" + PaddingScheme.DEFAULT.md5Hex();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void failedAuthenticationIsRelayedToTheFallbackWithEveryByteReplayed() throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] body = "<html>an ordinary web site</html>".getBytes(StandardCharsets.US_ASCII);
        try (TestNetty helpers = new TestNetty()) {
            Channel web = TestServers.http(helpers.workerGroup(), body, seen);
            try (ServerHarness server = ServerHarness.start(
                    "fallback { server = \"127.0.0.1\", server_port = " + TestServers.port(web) + " }");
                    RawTlsClient probe = RawTlsClient.connectRaw(server.netty.workerGroup(), server.address)) {
                byte[] request = ("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: probe\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                probe.sendRecord(java.util.Arrays.copyOfRange(request, 0, 40)); // the hash check fails here
                probe.sendRecord(java.util.Arrays.copyOfRange(request, 40, request.length));
                probe.closed.get(10, TimeUnit.SECONDS); // the web server closes after answering
                String answer = new String(probe.rawReceived(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("<html>an ordinary web site</html>");
                synchronized (seen) {
                    assertThat(seen.toByteArray()).isEqualTo(request);
                }
            } finally {
                web.close().sync();
            }
        }
    }

    @Test
    void shortProbeMeetsTheFallbackWhenTheAuthTimeoutExpires() throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (TestNetty helpers = new TestNetty()) {
            Channel web = TestServers.http(helpers.workerGroup(), "ok".getBytes(StandardCharsets.US_ASCII), seen);
            try (ServerHarness server = ServerHarness.start("auth_timeout = 300ms\n"
                    + "fallback { server = \"127.0.0.1\", server_port = " + TestServers.port(web) + " }");
                    RawTlsClient probe = RawTlsClient.connectRaw(server.netty.workerGroup(), server.address)) {
                byte[] request = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII); // 18 < 32 bytes
                probe.sendRecord(request);
                probe.closed.get(10, TimeUnit.SECONDS);
                assertThat(new String(probe.rawReceived(), StandardCharsets.US_ASCII)).endsWith("\r\n\r\nok");
                synchronized (seen) {
                    assertThat(seen.toByteArray()).isEqualTo(request);
                }
            } finally {
                web.close().sync();
            }
        }
    }

    @Test
    void unreachableFallbackClosesTheProbe() throws Exception {
        try (ServerHarness server = ServerHarness.start(
                "fallback { server = \"127.0.0.1\", server_port = " + TestServers.closedPort() + " }");
                RawTlsClient probe = RawTlsClient.connectRaw(server.netty.workerGroup(), server.address)) {
            probe.sendRecord(preamble("not the password", 0));
            probe.closed.get(10, TimeUnit.SECONDS);
            assertThat(probe.rawReceived()).isEmpty();
        }
    }

    @Test
    void streamToAnHttpServerReturnsTheBodyThenFin() throws Exception {
        byte[] body = new byte[100_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        try (ServerHarness server = ServerHarness.start("")) {
            Channel web = TestServers.http(server.netty.workerGroup(), body, null);
            try (RawTlsClient client = server.client()) {
                client.sendRecord(preamble(ServerHarness.PASSWORD, 30));
                client.sendRecord(concat(settings(SETTINGS_V2), frame(Command.SYN, 1),
                        frame(Command.PSH, 1, ipv4(TestServers.port(web)))));
                client.sendRecord(frame(Command.PSH, 1,
                        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                assertThat(client.expect(Command.SERVER_SETTINGS, 0)).isEqualTo("v=2");
                assertThat(client.expect(Command.SYNACK, 1)).isEmpty();
                ByteArrayOutputStream response = new ByteArrayOutputStream();
                while (true) {
                    Frame f = client.next(WAIT);
                    try {
                        if (f.command() == Command.FIN) {
                            assertThat(f.streamId()).isEqualTo(1);
                            break;
                        }
                        assertThat(f.command()).isEqualTo(Command.PSH);
                        response.writeBytes(ByteBufUtil.getBytes(f.data()));
                    } finally {
                        f.release();
                    }
                }
                byte[] all = response.toByteArray();
                String head = new String(all, 0, Math.min(all.length, 200), StandardCharsets.ISO_8859_1);
                assertThat(head).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 100000");
                int start = head.indexOf("\r\n\r\n") + 4;
                assertThat(java.util.Arrays.copyOfRange(all, start, all.length)).isEqualTo(body);
            } finally {
                web.close().sync();
            }
        }
    }

    /**
     * Each frame the server sends leaves with its header in the same TLS record, as the reference server's do (its
     * 13-byte echo is one 20-byte record): a 7-byte header-only record in front of a PSH would be a pattern no
     * reference peer shows. A small echo is one record; in a large one no record ends inside or right after a
     * frame's header (a frame longer than a record does end with a short record of data, which is fine).
     */
    @Test
    void echoedPshFramesLeaveWithTheirHeadersInTheSameRecord() throws Exception {
        try (ServerHarness server = ServerHarness.start("")) {
            Channel echo = TestServers.echo(server.netty.workerGroup());
            try (RawTlsClient client = server.client()) {
                client.sendRecord(concat(preamble(ServerHarness.PASSWORD, 30), settings(SETTINGS_V2),
                        frame(Command.SYN, 1), frame(Command.PSH, 1, ipv4(TestServers.port(echo)))));
                assertThat(client.expect(Command.SERVER_SETTINGS, 0)).isEqualTo("v=2");
                assertThat(client.expect(Command.SYNACK, 1)).isEmpty();
                int mark = client.ciphertextReceived();
                client.sendRecord(frame(Command.PSH, 1, "hello anytls\n".getBytes(StandardCharsets.US_ASCII)));
                assertThat(client.expect(Command.PSH, 1)).isEqualTo("hello anytls\n");
                assertThat(client.recordLengthsSince(mark)).containsExactly(7 + 13 + client.recordOverhead());

                mark = client.ciphertextReceived();
                int large = 40_000;
                client.channel().writeAndFlush(Unpooled.wrappedBuffer(frame(Command.PSH, 1, new byte[large]))).sync();
                int echoed = 0;
                List<Integer> frameLengths = new ArrayList<>();
                while (echoed < large) {
                    Frame f = client.next(WAIT);
                    try {
                        assertThat(f.command()).isEqualTo(Command.PSH);
                        echoed += f.data().readableBytes();
                        frameLengths.add(Frame.HEADER_LENGTH + f.data().readableBytes());
                    } finally {
                        f.release();
                    }
                }
                List<Integer> records = client.recordLengthsSince(mark);
                List<Integer> recordEnds = new ArrayList<>();
                int at = 0;
                for (int record : records) {
                    at += record - client.recordOverhead();
                    recordEnds.add(at);
                }
                String layout = "frames " + frameLengths + " in records " + records;
                assertThat(at).as(layout).isEqualTo(Frame.HEADER_LENGTH * frameLengths.size() + large);
                int header = 0;
                for (int length : frameLengths) {
                    int headerStart = header;
                    assertThat(recordEnds).as("a record ends inside or right after a header: " + layout)
                            .noneMatch(end -> end > headerStart && end <= headerStart + Frame.HEADER_LENGTH);
                    header += length;
                }
            } finally {
                echo.close().sync();
            }
        }
    }

    @Test
    void fiftyConcurrentStreamsOnOneSessionEachGetTheirOwnEcho() throws Exception {
        try (ServerHarness server = ServerHarness.start("")) {
            Channel echo = TestServers.echo(server.netty.workerGroup());
            try (RawTlsClient client = server.client()) {
                client.sendRecord(concat(preamble(ServerHarness.PASSWORD, 30), settings(SETTINGS_V2)));
                assertThat(client.expect(Command.SERVER_SETTINGS, 0)).isEqualTo("v=2");
                Map<Long, ByteArrayOutputStream> echoed = new HashMap<>();
                for (long sid = 1; sid <= 50; sid++) {
                    client.sendRecord(concat(frame(Command.SYN, sid), frame(Command.PSH, sid,
                            concat(ipv4(TestServers.port(echo)), ("stream " + sid + ";").getBytes(StandardCharsets.US_ASCII)))));
                    echoed.put(sid, new ByteArrayOutputStream());
                }
                int synacks = 0;
                while (synacks < 50 || echoed.values().stream().anyMatch(b -> !b.toString().endsWith(";"))) {
                    Frame f = client.next(WAIT);
                    try {
                        if (f.command() == Command.SYNACK) {
                            assertThat(f.data().readableBytes()).isZero();
                            synacks++;
                        } else {
                            assertThat(f.command()).isEqualTo(Command.PSH);
                            echoed.get(f.streamId()).writeBytes(ByteBufUtil.getBytes(f.data()));
                        }
                    } finally {
                        f.release();
                    }
                }
                for (long sid = 1; sid <= 50; sid++) {
                    assertThat(echoed.get(sid).toString(StandardCharsets.US_ASCII)).isEqualTo("stream " + sid + ";");
                }
                assertThat(server.inbound.streamsOpen()).isEqualTo(50);
            } finally {
                echo.close().sync();
            }
        }
    }

    /**
     * 64 MiB each way (system property {@code anytls4j.test.bulkBytes} to change) through one stream to an echo
     * server, CRC32 on both sides, from a raw client that writes PSH frames as fast as its socket takes them:
     * exercises the relay's back-pressure both ways (a full session pauses the target; a slow target pauses the
     * session). {@link ClientServerTransferTest} moves 256 MiB each way with our real client.
     */
    @Test
    @Timeout(300)
    void bulkTransferBothWaysKeepsEveryByte() throws Exception {
        long total = Long.getLong("anytls4j.test.bulkBytes", 64L << 20);
        try (ServerHarness server = ServerHarness.start("")) {
            Channel echo = TestServers.echo(server.netty.workerGroup());
            try (RawTlsClient client = server.client()) {
                client.sendRecord(concat(preamble(ServerHarness.PASSWORD, 30), settings(SETTINGS_V2),
                        frame(Command.SYN, 1), frame(Command.PSH, 1, ipv4(TestServers.port(echo)))));
                assertThat(client.expect(Command.SERVER_SETTINGS, 0)).isEqualTo("v=2");
                assertThat(client.expect(Command.SYNACK, 1)).isEmpty();
                CRC32 received = new CRC32();
                long[] count = {0};
                CompletableFuture<Void> done = new CompletableFuture<>();
                client.tap = f -> {
                    if (f.command() != Command.PSH) {
                        return false;
                    }
                    assertThat(f.data().readableBytes()).isLessThanOrEqualTo(Frame.MAX_DATA_LENGTH);
                    received.update(f.data().nioBuffer());
                    count[0] += f.data().readableBytes();
                    f.release();
                    if (count[0] >= total) {
                        done.complete(null);
                    }
                    return true;
                };
                CRC32 sent = new CRC32();
                byte[] chunk = new byte[60_000];
                long started = System.nanoTime();
                long written = 0;
                while (written < total) {
                    int n = (int) Math.min(chunk.length, total - written);
                    for (int i = 0; i < n; i++) {
                        chunk[i] = (byte) ((written + i) * 7 + ((written + i) >>> 13));
                    }
                    sent.update(chunk, 0, n);
                    ChannelFuture w = client.channel().writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(
                            frame(Command.PSH, 1, java.util.Arrays.copyOf(chunk, n))));
                    written += n;
                    if (!client.channel().isWritable()) {
                        w.sync(); // wait for the socket to drain, like a blocking writer
                    }
                }
                done.get(240, TimeUnit.SECONDS);
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("bulk: %d MiB each way in %.2f s (%.0f MiB/s per direction)%n", total >> 20,
                        seconds, (total >> 20) / seconds);
                assertThat(count[0]).isEqualTo(total);
                assertThat(received.getValue()).isEqualTo(sent.getValue());
                assertThat(client.pending()).isZero();
            } finally {
                echo.close().sync();
            }
        }
    }

    @Test
    void stopClosesSessionsAndTheListener() throws Exception {
        try (ServerHarness server = ServerHarness.start("");
                RawTlsClient client = server.client()) {
            client.sendRecord(concat(preamble(ServerHarness.PASSWORD, 30), settings(SETTINGS_V2)));
            assertThat(client.expect(Command.SERVER_SETTINGS, 0)).isEqualTo("v=2");
            assertThat(server.inbound.sessionsOpen()).isEqualTo(1);
            server.inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
            client.closed.get(10, TimeUnit.SECONDS);
            assertThat(server.inbound.sessionsOpen()).isZero();
            java.util.concurrent.CompletableFuture<Boolean> refused = new java.util.concurrent.CompletableFuture<>();
            new io.netty.bootstrap.Bootstrap().group(server.netty.workerGroup())
                    .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .connect(server.address).addListener(f -> refused.complete(!f.isSuccess()));
            assertThat(refused.get(10, TimeUnit.SECONDS)).as("connection to a stopped inbound refused").isTrue();
        }
    }
}
