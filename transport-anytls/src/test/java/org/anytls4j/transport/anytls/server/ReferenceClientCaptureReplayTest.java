package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Feeds what the reference client (anytls-go v0.0.13) sent in the {@code client_*} golden captures into our
 * server session, record by record as it crossed the wire, and checks that it is accepted and answered as the
 * reference server answers (PROTOCOL.md section 14): Settings answered (UpdatePaddingScheme only for a foreign
 * md5, then ServerSettings v=2), every stream opened to the address the capture decoded and answered with
 * SYNACK, every payload byte delivered to its target in order, padding ignored, client FINs not answered.
 *
 * <p>{@code client_silent_bulk_upload} is not replayed: the capture keeps only hashes of its 512 KiB of payload
 * ({@code trim_data}); bulk data is covered by the 256 MiB end-to-end test.
 */
class ReferenceClientCaptureReplayTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "client_silent_http_ipv4",
        "client_silent_https_domain",
        "client_script_http_reuse",
        "client_script_update_padding",
        "client_script_no_synack",
    })
    void referenceClientSessionsAreAcceptedAndAnswered(String scenario) {
        Config capture = ConfigFactory.parseResources(getClass().getClassLoader(), "vectors/" + scenario + ".json");
        for (Config connection : capture.getConfigList("connections")) {
            replay(connection);
        }
    }

    private static void replay(Config connection) {
        byte[] stream = HexFormat.of().parseHex(connection.getString("stream_hex"));
        List<Destination> expectedDestinations = new ArrayList<>();
        Map<Long, ByteArrayOutputStream> expectedPayload = new LinkedHashMap<>();
        String clientMd5 = null;
        for (Config item : connection.getConfigList("decoded")) {
            if (!"frame".equals(item.getString("kind"))) {
                continue;
            }
            int cmd = item.getInt("cmd");
            long sid = item.getLong("sid");
            if (cmd == Command.SETTINGS) {
                clientMd5 = item.getString("kv.padding-md5");
            } else if (cmd == Command.PSH && item.hasPath("socks_addr")) {
                expectedDestinations.add(new Destination(item.getString("socks_addr.host"),
                        item.getInt("socks_addr.port")));
                expectedPayload.put(sid, new ByteArrayOutputStream());
            } else if (cmd == Command.PSH) {
                expectedPayload.get(sid).writeBytes(HexFormat.of().parseHex(item.getString("data_hex")));
            }
        }

        try (EmbeddedServer s = new EmbeddedServer("")) {
            List<EmbeddedChannel> targets = new ArrayList<>();
            int offset = 0;
            for (Config record : connection.getConfigList("records")) {
                int length = record.getInt("plaintext_len");
                s.write(java.util.Arrays.copyOfRange(stream, offset, offset + length));
                offset += length;
                while (targets.size() < s.opens.size()) { // targets connect at once
                    EmbeddedChannel target = new EmbeddedChannel();
                    targets.add(target);
                    s.opens.get(targets.size() - 1).future().complete(target);
                }
            }
            assertThat(offset).isEqualTo(stream.length);
            assertThat(s.channel.isActive()).as("session accepted and still open").isTrue();

            if (!PaddingScheme.DEFAULT.md5Hex().equals(clientMd5)) {
                s.expect(Command.UPDATE_PADDING_SCHEME, 0, PaddingScheme.DEFAULT.text());
            }
            s.expect(Command.SERVER_SETTINGS, 0, "v=2");
            List<Long> sids = new ArrayList<>(expectedPayload.keySet());
            for (long sid : sids) {
                s.expect(Command.SYNACK, sid, "");
            }
            s.expectNothing();

            assertThat(s.opens.stream().map(EmbeddedServer.Open::destination).toList())
                    .isEqualTo(expectedDestinations);
            for (int i = 0; i < targets.size(); i++) {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                ByteBuf b;
                while ((b = targets.get(i).readOutbound()) != null) {
                    got.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b));
                    b.release();
                }
                assertThat(got.toByteArray()).as("payload of stream %d", sids.get(i))
                        .isEqualTo(expectedPayload.get(sids.get(i)).toByteArray());
                targets.get(i).finishAndReleaseAll();
            }
        }
    }
}
