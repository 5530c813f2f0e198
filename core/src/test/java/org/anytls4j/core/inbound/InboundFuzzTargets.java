package org.anytls4j.core.inbound;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz targets of the local proxy's parsers (first-byte detection, SOCKS5, SOCKS4/4a, HTTP proxy requests): any
 * bytes a local client sends, in any pieces, are answered or refused and nothing escapes the pipeline (the leak
 * detector runs at paranoid). Opens fail or succeed at random. Tries: jqwik's default, 100 in the normal suite;
 * the long run raises them with {@code -Djqwik.tries.default=N} (docs/RELIABILITY.md, "Fuzzing").
 */
class InboundFuzzTargets {
    @Property
    void mixedInbound(@ForAll("requests") byte[] bytes, @ForAll Random random) {
        run(ProxyKind.MIXED, bytes, random);
    }

    @Property
    void socksInbound(@ForAll("requests") byte[] bytes, @ForAll Random random) {
        run(ProxyKind.SOCKS, bytes, random);
    }

    @Property
    void httpInbound(@ForAll("requests") byte[] bytes, @ForAll Random random) {
        run(ProxyKind.HTTP, bytes, random);
    }

    /** The harness and contract of {@link InboundFuzzTest}, with jqwik's random pieces. */
    private static void run(ProxyKind kind, byte[] bytes, Random random) {
        InboundFuzzTest.run(kind, random.nextBoolean(), random.nextBoolean(), bytes, i -> 1 + random.nextInt(64));
    }

    /** Random bytes, and random bytes behind a plausible start (SOCKS5 greeting, SOCKS4 connect, HTTP methods). */
    @Provide
    Arbitrary<byte[]> requests() {
        Arbitrary<byte[]> tail = Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
        Arbitrary<byte[]> prefix = Arbitraries.of(new byte[0], new byte[] {5, 1, 0}, new byte[] {5, 1, 2},
                new byte[] {5, 1, 0, 5, 1, 0, 3}, new byte[] {5, 1, 0, 5, 3, 0, 1}, new byte[] {4, 1, 0, 80},
                "CONNECT ".getBytes(), "GET http://".getBytes(), "POST /".getBytes(),
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic ".getBytes());
        return net.jqwik.api.Combinators.combine(prefix, tail).as((p, t) -> {
            byte[] all = Arrays.copyOf(p, p.length + t.length);
            System.arraycopy(t, 0, all, p.length, t.length);
            return all;
        });
    }
}
