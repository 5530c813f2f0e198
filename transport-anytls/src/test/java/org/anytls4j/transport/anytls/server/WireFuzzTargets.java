package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
import org.anytls4j.transport.anytls.frame.KeyValueText;
import org.anytls4j.transport.anytls.padding.PaddingScheme;

/**
 * Fuzz targets of the wire parsers that a peer (or a pasted link) feeds: random input, and the only allowed outcomes
 * are a result or the parser's own rejection; never another exception, a hang or a leak (the leak detector runs at
 * paranoid). The tries are jqwik's default, 100 in the normal suite ({@code junit-platform.properties}); the
 * long run raises them: {@code -Djqwik.tries.default=200000} (docs/RELIABILITY.md, "Fuzzing").
 */
class WireFuzzTargets {
    /**
     * Any bytes in any pieces: the decoder yields whole frames (PSH data as it arrives) and keeps the rest, never
     * more than it got.
     */
    @Property
    void frameDecoder(@ForAll @Size(max = 3000) byte[] bytes, @ForAll Random random) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        feed(channel, bytes, random);
        long decoded = 0;
        Frame frame;
        while ((frame = channel.readInbound()) != null) {
            decoded += (frame.startsFrame() ? Frame.HEADER_LENGTH : 0) + frame.data().readableBytes();
            frame.release();
        }
        channel.finishAndReleaseAll();
        assertThat(decoded).isLessThanOrEqualTo(bytes.length);
    }

    /**
     * Any bytes where the authentication preamble (password hash, padding length, padding) is expected, in any
     * pieces: nothing escapes the pipeline; the connection authenticates, waits, closes or goes to the fallback.
     */
    @Property
    void authPreamble(@ForAll("preambles") byte[] bytes, @ForAll Random random) {
        try (EmbeddedServer server = new EmbeddedServer("")) {
            int at = 0;
            while (at < bytes.length && server.channel.isOpen()) {
                int piece = 1 + random.nextInt(Math.min(200, bytes.length - at));
                server.write(java.util.Arrays.copyOfRange(bytes, at, at + piece));
                at += piece;
                server.channel.runPendingTasks();
                server.channel.checkException();
            }
        }
    }

    /** Random bytes, or the right password hash followed by random bytes (so the frames after it are reached). */
    @Provide
    Arbitrary<byte[]> preambles() {
        byte[] hash = RawTlsClient.preamble(ServerHarness.PASSWORD, 0);
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(700);
        Arbitrary<byte[]> afterHash = Arbitraries.bytes().array(byte[].class).ofMaxSize(700).map(tail -> {
            byte[] all = java.util.Arrays.copyOf(hash, hash.length + tail.length);
            System.arraycopy(tail, 0, all, hash.length, tail.length);
            return all;
        });
        return Arbitraries.oneOf(random, afterHash);
    }

    /** Settings (and scheme) text: any UTF-8 parses into keys free of '=' and newlines; legal maps round-trip. */
    @Property
    void settingsText(@ForAll @Size(max = 600) byte[] bytes) {
        Map<String, String> map = KeyValueText.parse(bytes);
        for (Map.Entry<String, String> e : map.entrySet()) {
            assertThat(e.getKey()).doesNotContain("=").doesNotContain("\n");
            assertThat(e.getValue()).doesNotContain("\n");
        }
        assertThat(KeyValueText.parse(KeyValueText.format(map))).isEqualTo(map);
    }

    /** A padding scheme, received or configured: accepted or refused, never another exception. */
    @Property
    void paddingScheme(@ForAll("schemeTexts") String text) {
        PaddingScheme.parseReceived(text.getBytes(StandardCharsets.UTF_8));
        try {
            PaddingScheme.parseConfigured(text);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    /** Texts that look like schemes often enough to pass the first checks: keys, ranges, numbers, noise. */
    @Provide
    Arbitrary<String> schemeTexts() {
        Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of("stop", "0", "1", "2", "3", "7", "-1", "x"),
                Arbitraries.strings().ofMaxLength(4));
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.integers().between(-3, 70000).list().ofMaxSize(3).map(l -> String.join("-",
                        l.stream().map(String::valueOf).toList())),
                Arbitraries.of("c", "100-200,c,300-400", "2147483648", "1-", "-"),
                Arbitraries.strings().ofMaxLength(12));
        return net.jqwik.api.Combinators.combine(key, value).as((k, v) -> k + "=" + v).list().ofMaxSize(8)
                .map(lines -> String.join("\n", lines));
    }

    /** A UDP-over-TCP packet address: the contract of {@link WireFuzzTest#uotAddress}. */
    @Property
    void uotAddress(@ForAll @Size(max = 300) byte[] bytes) throws Exception {
        WireFuzzTest.checkUotAddress(bytes);
    }

    /** An {@code anytls://} link: the contract of {@link WireFuzzTest#anytlsUri}. */
    @Property
    void anytlsUri(@ForAll("links") String link) {
        WireFuzzTest.checkUri(link);
    }

    @Provide
    Arbitrary<String> links() {
        Arbitrary<String> part = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withChars("%@:/?#&=[]0123456789abcdefABCDEF.").ofMaxLength(12));
        return net.jqwik.api.Combinators.combine(Arbitraries.of("anytls://", "ANYTLS://", "anytls:", ""), part, part,
                part, part).as((scheme, a, b, c, d) -> scheme + a + "@" + b + ":" + c + "/?" + d);
    }

    private static void feed(EmbeddedChannel channel, byte[] bytes, Random random) {
        int at = 0;
        while (at < bytes.length) {
            int piece = 1 + random.nextInt(Math.min(300, bytes.length - at));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, piece));
            at += piece;
        }
    }
}
