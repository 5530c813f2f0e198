package org.anytls4j.core.inbound;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.anytls4j.api.Destination;
import org.anytls4j.api.HostPort;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.core.relay.Relay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP proxy server side, behind Netty's {@link HttpRequestDecoder} and {@link HttpResponseEncoder} (the two
 * halves of {@code HttpServerCodec}, kept apart so each can leave the pipeline on its own).
 *
 * <ul>
 *   <li>{@code CONNECT host:port}: opens a stream, answers {@code 200 Connection established}, then relays raw
 *       bytes both ways.</li>
 *   <li>A request with an absolute URI ({@code GET http://host:port/path}): opens a stream to that host, forwards
 *       the request in origin form with hop-by-hop headers removed ({@code Connection} and the headers it names,
 *       but never {@code Content-Length} or {@code Transfer-Encoding}, by which the body is forwarded;
 *       {@code Keep-Alive}, {@code Proxy-Connection}, {@code Proxy-Authorization}, {@code Proxy-Authenticate},
 *       {@code TE}, {@code Trailer}, {@code Upgrade}) and {@code Connection: close} added, then relays the origin's
 *       response, its head saying {@code Connection: close} in place of the origin's connection options
 *       ({@link ClosingResponseHead}) and the rest unchanged. One request per client connection: requests the
 *       client pipelines or sends on the kept-alive connection are discarded, and the connection closes cleanly once
 *       the response has been relayed, so a keep-alive client reconnects for its next request, to the same or
 *       another host.</li>
 * </ul>
 *
 * <p>With {@code users}, every request needs {@code Proxy-Authorization: Basic ...}, else {@code 407}. Malformed or
 * oversized requests get {@code 400}, {@code 414} (request line over {@value #MAX_INITIAL_LINE} bytes) or
 * {@code 431} (headers over {@value #MAX_HEADER_SIZE} bytes) with the limit in the body; failed opens get
 * {@code 502 Bad Gateway} ({@code 504} on timeout) with the reason in the body. Each closes only this connection.
 *
 * <h2>Threading and ownership</h2>
 * One instance per connection, on its event loop. Request content that arrives while the stream is opening is held
 * in {@link EarlyData}; everything else read is written to the stream or released here.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

    /** Longest accepted request line, in bytes. */
    static final int MAX_INITIAL_LINE = 8192;
    /** Longest accepted header block, in bytes. */
    static final int MAX_HEADER_SIZE = 8192;
    private static final int MAX_CHUNK_SIZE = 65536;

    /** Headers a {@code Connection} option never removes: the body is forwarded as they delimit it. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "proxy-authenticate", "te", "trailer", "upgrade");

    /** Where the connection is in its one request. */
    private enum State {
        /** Waiting for the request head. */
        IDLE,
        /** Stream opening; request content is held. */
        OPENING,
        /** Plain request: content goes to the stream as it arrives. */
        FORWARDING,
        /** Plain request fully sent, or an error reply sent: further input is discarded. */
        DONE
    }

    private final ProxyInbound inbound;
    private final EarlyData early = new EarlyData();
    private State state = State.IDLE;
    private Channel stream;
    private String outboundTag;
    private boolean requestComplete;

    private HttpProxyHandler(ProxyInbound inbound) {
        this.inbound = inbound;
    }

    /** Adds the HTTP codec and this handler after {@code afterName}. */
    static void install(ChannelPipeline p, String afterName, ProxyInbound inbound) {
        p.addAfter(afterName, ProtocolDetector.CODEC_DECODER, new HttpRequestDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)));
        p.addAfter(ProtocolDetector.CODEC_DECODER, ProtocolDetector.CODEC_ENCODER, new HttpResponseEncoder());
        p.addAfter(ProtocolDetector.CODEC_ENCODER, ProtocolDetector.PROTOCOL_HANDLER, new HttpProxyHandler(inbound));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    onRequest(ctx, request); // the decoder's request heads hold no buffer
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case OPENING -> {
                if (msg instanceof HttpContent && !requestComplete) {
                    requestComplete = msg instanceof LastHttpContent;
                    early.add(msg);
                } else {
                    ReferenceCountUtil.release(msg); // a next request: not served on this connection
                }
            }
            case FORWARDING -> forward(ctx, msg);
            case DONE -> ReferenceCountUtil.release(msg);
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpLineException) {
                fail(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                        "request line longer than the limit of " + MAX_INITIAL_LINE + " bytes");
            } else if (cause instanceof TooLongHttpHeaderException) {
                fail(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "request headers longer than the limit of " + MAX_HEADER_SIZE + " bytes");
            } else {
                fail(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + cause.getMessage());
            }
            return;
        }
        if (!authorized(request)) {
            log.warn("inbound={} client={} HTTP proxy authentication missing or wrong; answering 407", inbound.tag(),
                    ctx.channel().remoteAddress());
            FullHttpResponse response = response(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
                    "proxy authentication required");
            response.headers().set(HttpHeaderNames.PROXY_AUTHENTICATE, "Basic realm=\"anytls4j\"");
            reply(ctx, response);
            return;
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            Destination destination;
            try {
                destination = authority(request.uri(), -1);
            } catch (IllegalArgumentException e) {
                fail(ctx, HttpResponseStatus.BAD_REQUEST, "bad CONNECT target: " + e.getMessage());
                return;
            }
            connect(ctx, destination);
            return;
        }
        String uri = request.uri();
        if (!uri.regionMatches(true, 0, "http://", 0, 7)) {
            fail(ctx, HttpResponseStatus.BAD_REQUEST, "not a proxy request: the URI must be absolute "
                    + "(http://host/path) or the method CONNECT, was '" + truncate(uri) + "'");
            return;
        }
        int pathStart = firstOf(uri, 7, "/?#");
        Destination destination;
        try {
            destination = authority(uri.substring(7, pathStart), 80);
        } catch (IllegalArgumentException e) {
            fail(ctx, HttpResponseStatus.BAD_REQUEST, "bad request URI: " + e.getMessage());
            return;
        }
        String authority = uri.substring(7, pathStart);
        // the fragment is the client's own (RFC 9110 section 4.2.4): never part of the request target
        String path = uri.substring(pathStart, firstOf(uri, pathStart, "#"));
        if (path.isEmpty() || path.startsWith("?")) {
            path = "/" + path;
        }
        forwardPlain(ctx, request, destination, authority, path);
    }

    /**
     * The destination of an authority ({@code host}, {@code host:port}, {@code [v6]}, {@code [v6]:port}; RFC 9110,
     * RFC 3986), which may not carry user info.
     *
     * @param defaultPort used when the port is absent, or -1 if a port is required
     * @throws IllegalArgumentException naming what is wrong
     */
    private static Destination authority(String authority, int defaultPort) {
        if (authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("user info is not allowed in '" + authority + "'");
        }
        return HostPort.parse(null, authority, defaultPort).toDestination();
    }

    private void connect(ChannelHandlerContext ctx, Destination destination) {
        Channel client = ctx.channel();
        state = State.OPENING;
        inbound.openStream(client, destination, "http-connect", (opened, outbound) -> {
            early.release(); // only the CONNECT's empty last content: a tunnel starts after the 200
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    new HttpResponseStatus(200, "Connection established")));
            // The encoder goes before the relay starts reading the stream: a destination that speaks first (a
            // banner) is relayed at once when the stream shares this event loop, and the response encoder refuses
            // raw bytes after a full response.
            ctx.pipeline().remove(ProtocolDetector.CODEC_ENCODER);
            Relay.start(client, opened, inbound.metrics().upload(outbound), inbound.metrics().download(outbound),
                    "inbound=" + inbound.tag() + " dest=" + destination);
            ctx.pipeline().remove(this);
            ctx.pipeline().remove(ProtocolDetector.CODEC_DECODER);
        }, (failure, cause) -> openFailed(ctx, destination, failure, cause));
    }

    private void forwardPlain(ChannelHandlerContext ctx, HttpRequest request, Destination destination,
            String authority, String path) {
        Channel client = ctx.channel();
        HttpHeaders headers = request.headers();
        for (String token : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String name : token.split(",")) {
                // never the body's framing, which the request encoder writes the body by
                if (!FRAMING.contains(name.trim().toLowerCase(Locale.ROOT))) {
                    headers.remove(name.trim());
                }
            }
        }
        HOP_BY_HOP.forEach(headers::remove);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (!headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, authority);
        }
        request.setUri(path);
        early.add(request); // written first, ahead of any content that arrives while opening
        state = State.OPENING;
        inbound.openStream(client, destination, "http", (opened, outbound) -> {
            stream = opened;
            outboundTag = outbound;
            ctx.pipeline().remove(ProtocolDetector.CODEC_ENCODER); // responses are relayed as raw bytes
            // The stream delivers nothing until the relay starts reading it (Outbound's hand-out contract), so a
            // fast origin's response waits for the response relay, whatever was installed before it.
            opened.pipeline().addLast("http-request-encoder", new HttpRequestEncoder());
            opened.pipeline().addLast(ClosingResponseHead.NAME, new ClosingResponseHead());
            early.writeTo(opened);
            opened.flush();
            Relay.forward(opened, client, inbound.metrics().download(outbound),
                    "inbound=" + inbound.tag() + " dest=" + destination);
            state = requestComplete ? State.DONE : State.FORWARDING;
            client.config().setAutoRead(opened.isWritable());
            client.read();
        }, (failure, cause) -> openFailed(ctx, destination, failure, cause));
    }

    private void forward(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpContent content)) {
            // a pipelined or kept-alive next request: this connection ends after the current response
            log.debug("inbound={} client={} discarding a further request; one request per connection",
                    inbound.tag(), ctx.channel().remoteAddress());
            ReferenceCountUtil.release(msg);
            state = State.DONE;
            return;
        }
        inbound.metrics().upload(outboundTag).increment(content.content().readableBytes());
        boolean last = msg instanceof LastHttpContent;
        stream.writeAndFlush(msg, stream.voidPromise());
        if (last) {
            state = State.DONE;
        } else if (!stream.isWritable()) {
            ctx.channel().config().setAutoRead(false); // the stream's relay handler turns it back on
        }
    }

    private void openFailed(ChannelHandlerContext ctx, Destination destination, OpenFailure failure,
            Throwable cause) {
        early.release();
        FullHttpResponse response = response(failure.http(), "anytls4j: cannot open a stream to " + destination
                + ": " + failure.reason() + ": " + OpenFailure.describe(cause));
        if (OpenFailure.unwrap(cause) instanceof CreationBackoffException backingOff) {
            // whole seconds, rounded up: a client that honours it does not come back before the pool would try
            long millis = backingOff.retryIn().toMillis();
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, (millis + 999) / 1000));
        }
        reply(ctx, response);
    }

    private boolean authorized(HttpRequest request) {
        if (!inbound.settings().authRequired()) {
            return true;
        }
        String value = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        if (value == null || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        return colon > 0 && inbound.settings().authenticate(decoded.substring(0, colon),
                decoded.substring(colon + 1));
    }

    /** Logs {@code problem}, answers it with {@code status} and closes the connection. */
    private void fail(ChannelHandlerContext ctx, HttpResponseStatus status, String problem) {
        if (status.code() < 500) {
            log.warn("inbound={} client={} {}; answering {}", inbound.tag(), ctx.channel().remoteAddress(), problem,
                    status.code());
        }
        reply(ctx, response(status, problem));
    }

    private void reply(ChannelHandlerContext ctx, FullHttpResponse response) {
        state = State.DONE;
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer((body + "\n").getBytes(StandardCharsets.UTF_8)));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** The index of the first of {@code chars} in {@code s} from {@code from}; {@code s.length()} if none. */
    private static int firstOf(String s, int from, String chars) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    private static String truncate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    /** The response relay pauses the stream while the client is unwritable; resume it here. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (stream != null && ctx.channel().isWritable()) {
            stream.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (stream != null) {
            stream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        early.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
        log.debug("inbound={} client={} HTTP proxy connection error: {}", inbound.tag(),
                ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public String toString() {
        return "HttpProxyHandler[" + state.name().toLowerCase(Locale.ROOT) + "]";
    }
}
