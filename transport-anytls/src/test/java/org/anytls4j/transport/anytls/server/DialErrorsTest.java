package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.junit.jupiter.api.Test;

/** SYNACK error texts read like the reference's Go dial errors, whichever Netty transport made the connect. */
class DialErrorsTest {
    private static final Destination TARGET = new Destination("127.0.0.1", 9);

    @Test
    void aRefusedConnectReadsAlikeOnNioAndOnTheNativeTransports() {
        assertThat(DialErrors.describe(TARGET, new ConnectException("Connection refused: /127.0.0.1:9")))
                .isEqualTo("dial tcp 127.0.0.1:9: connect: connection refused");
        assertThat(DialErrors.describe(TARGET,
                new ConnectException("finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:9")))
                .isEqualTo("dial tcp 127.0.0.1:9: connect: connection refused");
    }

    @Test
    void timeoutsLookupsAndUpstreamRefusalsKeepTheirOwnWords() {
        assertThat(DialErrors.describe(TARGET, new ConnectTimeoutException("connection timed out")))
                .isEqualTo("dial tcp 127.0.0.1:9: i/o timeout");
        assertThat(DialErrors.describe(new Destination("example.invalid", 80), new UnknownHostException("x")))
                .isEqualTo("dial tcp example.invalid:80: lookup example.invalid: no such host");
        assertThat(DialErrors.describe(TARGET, new StreamRefusedException("upstream said no")))
                .isEqualTo("upstream said no");
    }

    @Test
    void aFailureToCreateTheSocketNamesTheOsErrorNeverAJavaClass() {
        // What Netty's epoll transport throws when the process is out of descriptors (EMFILE)
        Exception emfile = new io.netty.channel.ChannelException(
                "Unable to create Channel from class class io.netty.channel.epoll.EpollSocketChannel",
                new java.io.IOException("newSocketStream(..) failed: Too many open files"));
        assertThat(DialErrors.describe(TARGET, new java.util.concurrent.CompletionException(emfile)))
                .isEqualTo("dial tcp 127.0.0.1:9: socket: too many open files");
    }

    @Test
    void anyOtherErrorReadsAsAFailedConnectWithoutItsText() {
        for (Throwable t : new Throwable[] {
            new IllegalStateException("org.anytls4j.core.Something is broken at Foo.java:12"),
            new java.util.concurrent.RejectedExecutionException("event executor terminated"),
            new OutOfMemoryError("Direct buffer memory"),
            new ConnectException(null)}) {
            String text = DialErrors.describe(TARGET, t);
            assertThat(text).as(t.toString()).startsWith("dial tcp 127.0.0.1:9: ")
                    .doesNotContain("org.").doesNotContain("java").doesNotContain("Exception")
                    .doesNotContain("Error");
        }
        assertThat(DialErrors.describe(TARGET, new IllegalStateException("x")))
                .isEqualTo("dial tcp 127.0.0.1:9: connect: connection failed");
        assertThat(DialErrors.describe(TARGET, new java.net.NoRouteToHostException("No route to host")))
                .isEqualTo("dial tcp 127.0.0.1:9: connect: no route to host");
    }
}
