package org.anytls4j.core.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.socksx.SocksVersion;
import io.netty.handler.codec.socksx.v4.Socks4ServerDecoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerEncoder;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the protocol of a new connection from its first byte and replaces itself with that protocol's codec and
 * handler: {@code 0x04} SOCKS4/4a, {@code 0x05} SOCKS5, an ASCII letter an HTTP request line (every HTTP method
 * is a token starting with a letter). The bytes read so far are handed to the new codec, nothing is lost.
 *
 * <p>Any other first byte, or a protocol the inbound's type does not accept, is refused with a reply the client
 * can understand — SOCKS5 "no acceptable methods" ({@code 05 FF}) on SOCKS-capable inbounds, {@code 400 Bad
 * Request} on {@code http} — and one WARN line naming the byte; then that connection closes.
 *
 * <h2>Threading and lifecycle</h2>
 * One instance per connection, on its event loop; removed from the pipeline after the first byte.
 */
final class ProtocolDetector extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);

    static final String NAME = "detect";
    static final String CODEC_DECODER = "decoder";
    static final String CODEC_ENCODER = "encoder";
    static final String PROTOCOL_HANDLER = "protocol";

    private static final byte[] SOCKS5_NO_ACCEPTABLE_METHODS = {0x05, (byte) 0xFF};

    private final ProxyInbound inbound;
    private boolean refused;

    ProtocolDetector(ProxyInbound inbound) {
        this.inbound = inbound;
    }

    /** The connection's {@link RequestDeadline} starts here, with the first handler it has. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        RequestDeadline.start(ctx.channel(), inbound.settings().requestTimeout(), inbound.tag());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!in.isReadable()) {
            return;
        }
        int first = in.getUnsignedByte(in.readerIndex());
        ProxyKind kind = inbound.kind();
        ChannelPipeline p = ctx.pipeline();
        if (first == SocksVersion.SOCKS5.byteValue() && kind.acceptsSocks()) {
            p.addAfter(NAME, CODEC_DECODER, new Socks5InitialRequestDecoder());
            p.addAfter(CODEC_DECODER, CODEC_ENCODER, Socks5ServerEncoder.DEFAULT);
            p.addAfter(CODEC_ENCODER, PROTOCOL_HANDLER, new Socks5ServerHandler(inbound));
        } else if (first == SocksVersion.SOCKS4a.byteValue() && kind.acceptsSocks()) {
            p.addAfter(NAME, CODEC_DECODER, new Socks4ServerDecoder());
            p.addAfter(CODEC_DECODER, CODEC_ENCODER, Socks4ServerEncoder.INSTANCE);
            p.addAfter(CODEC_ENCODER, PROTOCOL_HANDLER, new Socks4ServerHandler(inbound));
        } else if (isAsciiLetter(first) && kind.acceptsHttp()) {
            HttpProxyHandler.install(p, NAME, inbound);
        } else {
            refuse(ctx, in, first, kind);
            return;
        }
        p.remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, int first, ProxyKind kind) {
        refused = true;
        in.skipBytes(in.readableBytes());
        String expected = (kind.acceptsSocks() ? "0x04 (SOCKS4), 0x05 (SOCKS5)" : "")
                + (kind.acceptsSocks() && kind.acceptsHttp() ? " or " : "")
                + (kind.acceptsHttp() ? "an HTTP method" : "");
        String problem = String.format("unsupported protocol: first byte 0x%02X, expected %s", first, expected);
        log.warn("inbound={} client={} {}; closing", inbound.tag(), ctx.channel().remoteAddress(), problem);
        Object reply;
        if (kind.acceptsSocks()) {
            reply = Unpooled.wrappedBuffer(SOCKS5_NO_ACCEPTABLE_METHODS);
        } else {
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.BAD_REQUEST,
                    Unpooled.copiedBuffer(problem + "\n", StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.pipeline().addAfter(NAME, CODEC_ENCODER, new io.netty.handler.codec.http.HttpResponseEncoder());
            reply = response;
        }
        ctx.channel().config().setAutoRead(false);
        ctx.channel().writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
    }

    private static boolean isAsciiLetter(int b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
    }
}
