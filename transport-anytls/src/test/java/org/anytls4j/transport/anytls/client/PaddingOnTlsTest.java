package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.SessionConnector;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.padding.PaddingWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The padding scheme on a real TLS connection on 127.0.0.1: every record the client's TLS sends is parsed by
 * the server, and each application-data record's plaintext length must be what the scheme drew with the same
 * seed (TLS 1.3 AEAD: ciphertext = plaintext + 1 content type byte + 16 tag bytes; TLS 1.2 GCM: + 8 explicit
 * nonce + 16 tag).
 */
@Timeout(30)
class PaddingOnTlsTest {
    private static final String CUSTOM_SCHEME =
            "stop=5\n0=20-40\n1=150-250\n2=300-350,c,400-450\n3=30-30,100-200\n4=60-60";
    private static TestNetty netty;

    @BeforeAll
    static void start() {
        netty = new TestNetty();
    }

    @AfterAll
    static void stop() {
        netty.close();
    }

    @ParameterizedTest(name = "{0} scheme over {1}")
    @CsvSource({
        "default, TLSv1.3, TLS_AES_128_GCM_SHA256",
        "custom,  TLSv1.3, TLS_AES_256_GCM_SHA384",
        "default, TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "custom,  TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    })
    void eachSchemeRecordLeavesAsOneTlsRecordOfTheDrawnSize(String which, String protocol, String cipher)
            throws Exception {
        long seed = 20251129;
        PaddingScheme scheme = which.equals("default") ? PaddingScheme.DEFAULT
                : PaddingScheme.parseConfigured(CUSTOM_SCHEME);
        try (RecordingTlsServer server = new RecordingTlsServer(netty, protocol, cipher)) {
            SessionConnector connector = new AnytlsTransportFactory(new Random(seed)).create(
                    TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + server.port()
                            + ", password = s3cret-pw, tls { certificate_public_key_sha256 = \""
                            + server.certificate.publicKeyPin() + "\" }"),
                    TestContext.client("padding-test", netty));
            AnytlsSessionConnector anytls = (AnytlsSessionConnector) connector;
            if (which.equals("custom")) {
                anytls.replacePaddingScheme(scheme);
            }
            Session session = connector.connect(() -> 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            Channel stream = session.openStream(new Destination("example.com", 443)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            // A direct buffer, as a socket read delivers: SslHandler copies heap buffers into one direct buffer,
            // which would hide a record made of several pieces (OpenSSL writes each piece as its own record).
            stream.writeAndFlush(Unpooled.directBuffer(517).writeZero(517)).sync();
            stream.close().sync();

            int packet1 = 7 + ClientFrames.settingsText(ClientSettings.DEFAULT_CLIENT_METADATA, scheme.md5Hex())
                    .length() + 7 + 22;
            List<Integer> expected = expectedRecords(scheme, new Random(seed), List.of(packet1, 524, 7));
            server.whenReceived(expected.stream().mapToLong(Integer::longValue).sum()).get(10, TimeUnit.SECONDS);

            int overhead = server.negotiatedProtocol().equals("TLSv1.3") ? 1 + 16 : 8 + 16;
            List<Integer> plaintext = server.applicationDataLengths().stream().map(n -> n - overhead).toList();
            if (server.negotiatedProtocol().equals("TLSv1.3")) {
                // the client's Finished travels as the first encrypted record (36 bytes: 4 + SHA-256/384 hash)
                plaintext = plaintext.subList(1, plaintext.size());
            }
            assertThat(server.negotiatedProtocol()).isEqualTo(protocol);
            assertThat(plaintext).isEqualTo(expected);
            session.close(org.anytls4j.api.CloseReason.SHUTDOWN);
            connector.close();
        }
    }

    @ParameterizedTest(name = "after stop over {0}")
    @CsvSource({"TLSv1.3, TLS_AES_128_GCM_SHA256", "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"})
    void afterStopEachDataFrameLeavesWithItsHeaderInOneRecord(String protocol, String cipher) throws Exception {
        // stop=1: no session packet is shaped, so every write below goes to TLS as it is.
        PaddingScheme scheme = PaddingScheme.parseConfigured("stop=1\n0=30-30");
        try (RecordingTlsServer server = new RecordingTlsServer(netty, protocol, cipher)) {
            SessionConnector connector = new AnytlsTransportFactory(new Random(1)).create(
                    TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + server.port()
                            + ", password = s3cret-pw, tls { certificate_public_key_sha256 = \""
                            + server.certificate.publicKeyPin() + "\" }"),
                    TestContext.client("after-stop-test", netty));
            ((AnytlsSessionConnector) connector).replacePaddingScheme(scheme);
            Session session = connector.connect(() -> 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            Channel stream = session.openStream(new Destination("127.0.0.1", 8080)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            // direct buffers, as socket reads deliver them: a header beside its payload would leave as a record
            stream.writeAndFlush(Unpooled.directBuffer(83).writeZero(83)).sync();
            stream.writeAndFlush(Unpooled.directBuffer(3000).writeZero(3000)).sync();
            // two frames (65535 + 34465 data bytes) whose payloads go to TLS uncopied: the records fall where one
            // buffer per frame would have put them, every 16 KiB of the frames' bytes, headers included
            stream.writeAndFlush(Unpooled.directBuffer(100_000).writeZero(100_000)).sync();

            int packet1 = 7 + ClientFrames.settingsText(ClientSettings.DEFAULT_CLIENT_METADATA, scheme.md5Hex())
                    .length() + 7 + 14;
            int record = 16 * 1024;
            List<Integer> expected = List.of(34 + 30, packet1, 7 + 83, 7 + 3000,
                    record, record, record, record, record, record, 7 + 65_535 + 7 + 34_465 - 6 * record);
            server.whenReceived(expected.stream().mapToLong(Integer::longValue).sum()).get(10, TimeUnit.SECONDS);

            int overhead = server.negotiatedProtocol().equals("TLSv1.3") ? 1 + 16 : 8 + 16;
            List<Integer> plaintext = server.applicationDataLengths().stream().map(n -> n - overhead).toList();
            if (server.negotiatedProtocol().equals("TLSv1.3")) {
                plaintext = plaintext.subList(1, plaintext.size()); // the client's Finished
            }
            assertThat(plaintext).isEqualTo(expected);
            session.close(org.anytls4j.api.CloseReason.SHUTDOWN);
            connector.close();
        }
    }

    /** The record sizes of packet 0 (the preamble) and of the given session writes, drawn as the client does. */
    private static List<Integer> expectedRecords(PaddingScheme scheme, Random random, List<Integer> writes) {
        List<Integer> sizes = new ArrayList<>();
        sizes.add(34 + scheme.drawPadding0(random));
        PaddingWriter writer = new PaddingWriter(() -> scheme, random);
        for (int size : writes) {
            ByteBuf write = Unpooled.buffer(size).writeZero(size);
            for (ByteBuf record : writer.shape(write, UnpooledByteBufAllocator.DEFAULT)) {
                sizes.add(record.readableBytes());
                record.release();
            }
        }
        return sizes;
    }
}
