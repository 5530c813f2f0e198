package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The plain HTTP proxy closes each client connection after one response, so the response it relays must say so
 * (RFC 9112 section 9.6): {@link ClosingResponseHead} rewrites the origin's response head on its way to the client.
 */
@ExtendWith(LeakCheck.class)
class ClosingResponseHeadTest {

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new ClosingResponseHead());
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Everything the handler passed on, as text; releases it. */
    private static String passedOn(EmbeddedChannel ch) {
        StringBuilder text = new StringBuilder();
        ByteBuf in;
        while ((in = ch.readInbound()) != null) {
            text.append(in.toString(StandardCharsets.ISO_8859_1));
            in.release();
        }
        return text.toString();
    }

    @Test
    void replacesTheOriginsConnectionOptionsWithCloseAndLeavesTheRestAlone() {
        EmbeddedChannel ch = channel();

        ch.writeInbound(text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: keep-alive, X-Hop\r\n"
                + "Keep-Alive: timeout=5\r\nX-Hop: 1\r\nProxy-Connection: keep-alive\r\nX-End: a:b\r\n\r\nok"));

        assertThat(passedOn(ch)).isEqualTo(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-End: a:b\r\nConnection: close\r\n\r\nok");
        assertThat(ch.pipeline().get(ClosingResponseHead.class)).as("gone after the head").isNull();
        ch.writeInbound(text("more body, Connection: keep-alive\r\n\r\n"));
        assertThat(passedOn(ch)).isEqualTo("more body, Connection: keep-alive\r\n\r\n");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void keepsTheBodysFramingEvenWhenTheOriginNamesItAsAConnectionOption() {
        EmbeddedChannel ch = channel();

        ch.writeInbound(text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: transfer-encoding, "
                + "Content-Length\r\n\r\n2\r\nok\r\n0\r\n\r\n"));

        // the body is relayed as it is, so the headers that delimit it stay with it
        assertThat(passedOn(ch)).isEqualTo("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
                + "\r\n2\r\nok\r\n0\r\n\r\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void findsAHeadThatArrivesByteByByte() {
        EmbeddedChannel ch = channel();
        String response = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope";

        for (char c : response.toCharArray()) {
            ch.writeInbound(text(String.valueOf(c)));
        }

        assertThat(passedOn(ch)).isEqualTo(
                "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nnope");
        ch.finishAndReleaseAll();
    }

    @Test
    void passesInterimResponsesAsTheyAreAndRewritesTheFinalOne() {
        EmbeddedChannel ch = channel();

        ch.writeInbound(text("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"));
        assertThat(passedOn(ch)).isEqualTo(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
        ch.writeInbound(text("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n"));

        assertThat(passedOn(ch)).isEqualTo("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void acceptsBareLineFeedsAsHttpParsersDo() {
        EmbeddedChannel ch = channel();

        ch.writeInbound(text("HTTP/1.1 200 OK\nContent-Length: 0\nConnection: keep-alive\n\n"));

        assertThat(passedOn(ch)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void relaysWhatIsNotAnHttpResponseHeadUnchanged() {
        EmbeddedChannel notHttp = channel();
        notHttp.writeInbound(text("SSH-2.0-OpenSSH_9.6\r\n"));
        assertThat(passedOn(notHttp)).isEqualTo("SSH-2.0-OpenSSH_9.6\r\n");
        assertThat(notHttp.pipeline().get(ClosingResponseHead.class)).isNull();
        notHttp.finishAndReleaseAll();

        EmbeddedChannel huge = channel();
        String head = "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(ClosingResponseHead.MAX_HEAD) + "\r\n\r\n";
        huge.writeInbound(text(head));
        assertThat(passedOn(huge)).as("over the limit: unchanged").isEqualTo(head);
        huge.finishAndReleaseAll();
    }

    @Test
    void passesOnAPartialHeadWhenTheOriginCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(text("HTTP/1.1 200 OK\r\nContent-"));
        assertThat(passedOn(ch)).isEmpty();

        ch.close();

        assertThat(passedOn(ch)).isEqualTo("HTTP/1.1 200 OK\r\nContent-");
        ch.finishAndReleaseAll();
    }
}
