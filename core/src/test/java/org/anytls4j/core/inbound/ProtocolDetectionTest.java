package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerDecoder;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.core.relay.LeakCheck;
import io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** First-byte protocol detection and the replies to hostile or failing requests, in an {@link EmbeddedChannel}. */
@ExtendWith(LeakCheck.class)
class ProtocolDetectionTest {
    private static final byte[] SOCKS5_GREETING = {0x05, 0x01, 0x00};

    /** An outbound that fails every open with a given cause and records the destinations asked for. */
    private static final class FailingOutbound implements Outbound {
        final List<Destination> asked = new ArrayList<>();
        Throwable cause = new ConnectException("Connection refused");

        @Override
        public String tag() {
            return "failing";
        }

        @Override
        public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
            asked.add(destination);
            return CompletableFuture.failedFuture(cause);
        }
    }

    private final FailingOutbound outbound = new FailingOutbound();

    /**
     * The host's worker loops as far as the inbound can tell: these channels are embedded, each on a loop of its
     * own that is none of these, so a connection never moves to its stream's loop here (LoopMove).
     */
    private static final TestNetty NETTY = new TestNetty();

    @AfterAll
    static void closeNetty() {
        NETTY.close();
    }

    private EmbeddedChannel channel(ProxyKind kind, String overrides) {
        ProxyInbound inbound = new ProxyInbound(kind, ProxyInboundSettings.parse(
                TestInboundContext.settings(kind.type(), overrides), kind),
                new TestInboundContext("test", NETTY, outbound, new SimpleMeterRegistry()));
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inbound));
        return ch;
    }

    private static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer(values.length);
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }

    /** Everything the channel wrote, as one hex string; releases what it reads. */
    private static String written(EmbeddedChannel ch) {
        StringBuilder hex = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            hex.append(ByteBufUtil.hexDump(out));
            out.release();
        }
        return hex.toString();
    }

    private static String writtenText(EmbeddedChannel ch) {
        StringBuilder text = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            text.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
        return text.toString();
    }

    @Test
    void firstByteFiveSelectsSocks5AndAnswersTheGreeting() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        assertThat(ch.pipeline().get(ProtocolDetector.NAME)).isNull();
        assertThat(written(ch)).isEqualTo("0500");
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void firstByteFourSelectsSocks4() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(bytes(0x04));
        assertThat(ch.pipeline().get(Socks4ServerDecoder.class)).isNotNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void anAsciiLetterSelectsHttpEvenByteByByte() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(bytes('G'));
        assertThat(ch.pipeline().get(HttpRequestDecoder.class)).isNotNull();
        assertThat(ch.pipeline().get(Socks5InitialRequestDecoder.class)).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void unknownFirstByteOnMixedGetsSocks5NoAcceptableMethodsAndCloses() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(bytes(0x06, 0x01, 0x00));
        assertThat(written(ch)).isEqualTo("05ff");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void socksOnAnHttpInboundGets400NamingTheByte() {
        EmbeddedChannel ch = channel(ProxyKind.HTTP, "");
        ch.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        String reply = writtenText(ch);
        assertThat(reply).startsWith("HTTP/1.1 400 Bad Request")
                .contains("unsupported protocol: first byte 0x05, expected an HTTP method");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void httpOnASocksInboundGetsSocks5Refusal() {
        EmbeddedChannel ch = channel(ProxyKind.SOCKS, "");
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(written(ch)).isEqualTo("05ff");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void socks5CommandNineIsAnsweredCommandNotSupported() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(ch);
        ch.writeInbound(bytes(0x05, 0x09, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50));
        assertThat(written(ch)).startsWith("0507"); // VER 5, REP 0x07 command not supported
        assertThat(ch.isOpen()).isFalse();
        assertThat(outbound.asked).isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void socks5RequestWithVersionSixIsAnsweredGeneralFailure() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(ch);
        ch.writeInbound(bytes(0x06, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50));
        assertThat(written(ch)).startsWith("0501");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void socks5UnknownAddressTypeIsAnsweredAddressNotSupported() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(ch);
        ch.writeInbound(bytes(0x05, 0x01, 0x00, 0x07, 127, 0, 0, 1, 0x00, 0x50));
        assertThat(written(ch)).startsWith("0508");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void socks5RefusedConnectIsAnsweredConnectionRefusedAndEarlyDataIsReleased() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(ch);
        // CONNECT example.com:443 followed at once by payload the client sent optimistically
        ByteBuf request = bytes(0x05, 0x01, 0x00, 0x03, 11);
        request.writeCharSequence("example.com", StandardCharsets.US_ASCII);
        request.writeShort(443).writeBytes(new byte[] {0x16, 0x03, 0x01});
        ch.writeInbound(request);
        assertThat(written(ch)).startsWith("0505");
        assertThat(outbound.asked).containsExactly(new Destination("example.com", 443));
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aStreamRefusedByTheServerIsSocks5ConnectionRefusedAndA502WithTheText() {
        outbound.cause = new StreamRefusedException("dial tcp 10.0.0.1:80: connect: connection refused");
        EmbeddedChannel socks = channel(ProxyKind.MIXED, "");
        socks.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(socks);
        socks.writeInbound(bytes(0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x50));
        assertThat(written(socks)).startsWith("0505");
        assertThat(socks.finish()).isFalse();

        EmbeddedChannel http = channel(ProxyKind.MIXED, "");
        http.writeInbound(Unpooled.copiedBuffer("GET http://10.0.0.1/ HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(writtenText(http)).startsWith("HTTP/1.1 502 Bad Gateway")
                .contains("refused-by-server: dial tcp 10.0.0.1:80: connect: connection refused");
        assertThat(http.finish()).isFalse();
    }

    /**
     * A stream as an outbound hands it out: {@code autoRead} off, and {@code held} (what the destination sent
     * first) delivered by the first {@code read()}, on the caller's thread as a stream sharing its event loop
     * does. {@code atFirstRead} gets the pipeline's handler names at that moment and the number of messages
     * written to the stream by then.
     */
    private static EmbeddedChannel streamHolding(String held, List<String> atFirstRead) {
        EmbeddedChannel stream = new EmbeddedChannel();
        stream.config().setAutoRead(false);
        stream.pipeline().addFirst("read-probe", new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) throws Exception {
                if (atFirstRead.isEmpty()) {
                    atFirstRead.addAll(ctx.pipeline().names());
                    int written = ((EmbeddedChannel) ctx.channel()).outboundMessages().size();
                    atFirstRead.add("outbound messages: " + written);
                    if (!held.isEmpty()) {
                        ctx.fireChannelRead(Unpooled.copiedBuffer(held, StandardCharsets.ISO_8859_1));
                        ctx.fireChannelReadComplete();
                    }
                }
                super.read(ctx);
            }
        });
        return stream;
    }

    private static ProxyInbound inboundOpening(Channel stream) {
        Outbound opening = new Outbound() {
            @Override
            public String tag() {
                return "stream";
            }

            @Override
            public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
                return CompletableFuture.completedFuture(stream);
            }
        };
        return new ProxyInbound(ProxyKind.MIXED, ProxyInboundSettings.parse(
                TestInboundContext.settings(ProxyKind.MIXED.type(), ""), ProxyKind.MIXED),
                new TestInboundContext("test", NETTY, opening, new SimpleMeterRegistry()));
    }

    /**
     * A stream is handed out with {@code autoRead} off and delivers nothing until its owner reads (Outbound's
     * hand-out contract): the plain HTTP proxy starts reading it only once the response relay and the request
     * encoder are in and the request went out, so a fast origin's response always finds its reader.
     */
    @Test
    void aPlainHttpProxyStreamIsReadOnlyOnceItsHandlersAreInAndTheRequestWentOut() {
        List<String> atFirstRead = new ArrayList<>();
        EmbeddedChannel stream = streamHolding("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n",
                atFirstRead);
        EmbeddedChannel http = new EmbeddedChannel();
        http.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inboundOpening(stream)));
        http.writeInbound(Unpooled.copiedBuffer("GET http://10.0.0.1/x HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(atFirstRead).contains("http-request-encoder", ClosingResponseHead.NAME,
                        org.anytls4j.core.relay.Relay.HANDLER_NAME)
                .doesNotContain("outbound messages: 0");
        assertThat(stream.config().isAutoRead()).isTrue();
        assertThat(writtenText(stream)).startsWith("GET /x HTTP/1.1");
        // one response per connection, and the client is told so (the origin's own options are hop-by-hop)
        assertThat(writtenText(http)).isEqualTo("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        http.finishAndReleaseAll();
        stream.finishAndReleaseAll();
    }

    /**
     * A connection that does not finish its SOCKS or HTTP request within {@code request_timeout} is closed: without
     * a deadline one that sent nothing, half a greeting or half a header block held its socket for good.
     */
    @Test
    void aConnectionThatDoesNotFinishItsRequestInTimeIsClosed() {
        for (String partial : new String[] {"", "\u0005", "\u0005\u0001\u0000\u0005\u0001", "GET http://a/ HTTP/1.1\r\nHo"}) {
            EmbeddedChannel ch = channel(ProxyKind.MIXED, "request_timeout = 5s");
            ch.freezeTime();
            ch.writeInbound(Unpooled.copiedBuffer(partial, StandardCharsets.ISO_8859_1));
            written(ch);

            ch.advanceTimeBy(4900, java.util.concurrent.TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(ch.isOpen()).as("before the deadline: %s", partial).isTrue();
            ch.advanceTimeBy(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();

            assertThat(ch.isOpen()).as("after the deadline: %s", partial).isFalse();
            assertThat(outbound.asked).isEmpty();
            ch.finishAndReleaseAll();
        }
    }

    /** Once the request is complete the deadline is off: a tunnel may stay quiet as long as it likes. */
    @Test
    void aCompleteRequestIsNotClosedByTheDeadline() {
        EmbeddedChannel stream = streamHolding("", new ArrayList<>());
        EmbeddedChannel http = new EmbeddedChannel();
        http.freezeTime();
        http.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inboundOpening(stream)));

        http.writeInbound(Unpooled.copiedBuffer("CONNECT 10.0.0.1:443 HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        http.advanceTimeBy(1, java.util.concurrent.TimeUnit.HOURS);
        http.runScheduledPendingTasks();

        assertThat(http.isOpen()).isTrue();
        assertThat(writtenText(http)).startsWith("HTTP/1.1 200 Connection established");
        http.finishAndReleaseAll();
        stream.finishAndReleaseAll();
    }

    /** A fragment is the client's own (RFC 9110 section 4.2.4): it is not part of the forwarded request target. */
    @Test
    void aPlainHttpRequestTargetLeavesTheFragmentBehind() {
        for (String[] uriAndTarget : new String[][] {{"http://10.0.0.1/x?q=1#frag", "/x?q=1"},
                {"http://10.0.0.1#top", "/"}, {"http://10.0.0.1:8080?a#b", "/?a"}}) {
            EmbeddedChannel stream = streamHolding("", new ArrayList<>());
            EmbeddedChannel http = new EmbeddedChannel();
            http.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inboundOpening(stream)));

            http.writeInbound(Unpooled.copiedBuffer("GET " + uriAndTarget[0] + " HTTP/1.1\r\n\r\n",
                    StandardCharsets.US_ASCII));

            assertThat(writtenText(stream)).as(uriAndTarget[0]).startsWith("GET " + uriAndTarget[1] + " HTTP/1.1\r\n");
            http.finishAndReleaseAll();
            stream.finishAndReleaseAll();
        }
    }

    /**
     * The request's body is forwarded with the framing it came with: a {@code Connection} header that names
     * {@code Transfer-Encoding} or {@code Content-Length} does not take them out (the body would reach the origin
     * undelimited, and what it holds would be read as the next request).
     */
    @Test
    void aPlainHttpRequestKeepsItsFramingWhateverItsConnectionHeaderNames() {
        EmbeddedChannel stream = streamHolding("", new ArrayList<>());
        EmbeddedChannel http = new EmbeddedChannel();
        http.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inboundOpening(stream)));

        http.writeInbound(Unpooled.copiedBuffer("POST http://10.0.0.1/x HTTP/1.1\r\nHost: 10.0.0.1\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: transfer-encoding, content-length, x-gone\r\n"
                + "X-Gone: 1\r\n\r\n5\r\nhello\r\n0\r\n\r\n", StandardCharsets.US_ASCII));

        String forwarded = writtenText(stream);
        assertThat(forwarded).startsWith("POST /x HTTP/1.1\r\n").containsIgnoringCase("transfer-encoding: chunked\r\n")
                .doesNotContainIgnoringCase("x-gone").endsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        http.finishAndReleaseAll();
        stream.finishAndReleaseAll();
    }

    /**
     * A destination that speaks first (an SMTP banner) through an HTTP CONNECT tunnel whose stream shares the
     * client's event loop: the banner is relayed as soon as the relay reads the stream, so it must find the
     * client's pipeline already rid of the HTTP response encoder (which refuses raw bytes after a response).
     */
    @Test
    void aConnectTunnelRelaysABannerTheDestinationSentBeforeTheClientSpoke() {
        List<String> atFirstRead = new ArrayList<>();
        EmbeddedChannel stream = streamHolding("220 mail.example ESMTP\r\n", atFirstRead);
        EmbeddedChannel http = new EmbeddedChannel();
        http.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(inboundOpening(stream)));
        http.writeInbound(Unpooled.copiedBuffer("CONNECT 10.0.0.1:25 HTTP/1.1\r\nHost: 10.0.0.1:25\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(atFirstRead).contains(org.anytls4j.core.relay.Relay.HANDLER_NAME);
        assertThat(writtenText(http)).startsWith("HTTP/1.1 200 Connection established\r\n")
                .endsWith("\r\n\r\n220 mail.example ESMTP\r\n");
        assertThat(http.isActive()).isTrue();
        http.finishAndReleaseAll();
        stream.finishAndReleaseAll();
    }

    @Test
    void aConnectTimeoutIsSocks5HostUnreachableAndHttp504() {
        outbound.cause = new ConnectTimeoutException("connection timed out after 5000 ms: /10.0.0.1:80");
        EmbeddedChannel socks = channel(ProxyKind.MIXED, "");
        socks.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(socks);
        socks.writeInbound(bytes(0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x50));
        assertThat(written(socks)).startsWith("0504");
        assertThat(socks.finish()).isFalse();

        EmbeddedChannel http = channel(ProxyKind.HTTP, "");
        http.writeInbound(Unpooled.copiedBuffer("CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(writtenText(http)).startsWith("HTTP/1.1 504 Gateway Timeout").contains("timeout");
        assertThat(http.finish()).isFalse();
    }

    @Test
    void oversizedHttpHeaderIsAnswered431NamingTheLimit() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        String huge = "X-Filler: " + "a".repeat(HttpProxyHandler.MAX_HEADER_SIZE + 10) + "\r\n";
        ch.writeInbound(Unpooled.copiedBuffer("GET http://example.com/ HTTP/1.1\r\n" + huge + "\r\n",
                StandardCharsets.US_ASCII));
        assertThat(writtenText(ch)).startsWith("HTTP/1.1 431 Request Header Fields Too Large")
                .contains("request headers longer than the limit of 8192 bytes");
        assertThat(ch.isOpen()).isFalse();
        assertThat(outbound.asked).isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void originFormRequestIsNotAProxyRequest() {
        EmbeddedChannel ch = channel(ProxyKind.MIXED, "");
        ch.writeInbound(Unpooled.copiedBuffer("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(writtenText(ch)).startsWith("HTTP/1.1 400 Bad Request").contains("URI must be absolute");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void httpWithoutCredentialsOnAnInboundWithUsersGets407() {
        EmbeddedChannel ch = channel(ProxyKind.HTTP, "users = [ { username = u, password = p } ]");
        ch.writeInbound(Unpooled.copiedBuffer("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(writtenText(ch)).startsWith("HTTP/1.1 407 Proxy Authentication Required")
                .containsIgnoringCase("Proxy-Authenticate: Basic realm=\"anytls4j\"");
        assertThat(outbound.asked).isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void anOutboundBackingOffIsSocks5GeneralFailureAndHttp503WithRetryAfterAndTheReason() {
        outbound.cause = new CreationBackoffException("server closed the session right after authentication:"
                + " wrong password or not an AnyTLS server", 5, Duration.ofMillis(7_200));
        EmbeddedChannel socks = channel(ProxyKind.MIXED, "");
        socks.writeInbound(Unpooled.wrappedBuffer(SOCKS5_GREETING));
        written(socks);
        socks.writeInbound(bytes(0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x50));
        assertThat(written(socks)).startsWith("0501");
        assertThat(socks.finish()).isFalse();

        EmbeddedChannel http = channel(ProxyKind.HTTP, "");
        http.writeInbound(Unpooled.copiedBuffer("CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(writtenText(http)).startsWith("HTTP/1.1 503 Service Unavailable")
                .containsIgnoringCase("retry-after: 8")
                .contains("outbound-backing-off: server closed the session right after authentication: wrong password"
                        + " or not an AnyTLS server (5 failures in a row; next attempt in 7.2s)");
        assertThat(http.finish()).isFalse();
    }
}
