package org.anytls4j.core.inbound;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Rewrites the head of an origin's response on a plain HTTP proxy stream so that it tells the client the connection
 * closes after it. {@link HttpProxyHandler} relays one request per client connection, and a server that does not
 * keep a connection open sends the {@code close} option in every final response (RFC 9112, section 9.6): without
 * it a keep-alive client sends its next request on a connection that is about to close, and has to send it again on
 * a new one. The origin's own connection options are hop-by-hop (RFC 9110, section 7.6.1): {@code Connection}, the
 * headers it names, {@code Keep-Alive} and {@code Proxy-Connection} are removed and {@code Connection: close} ends
 * the head ({@code Content-Length} and {@code Transfer-Encoding} stay whatever {@code Connection} names: they
 * delimit the body, which is relayed as it is). Lines end in CRLF on the way out (a bare LF, which HTTP parsers
 * accept, becomes CRLF).
 *
 * <p>Interim (1xx) responses pass as they are; the first final response's head is rewritten, then this handler
 * leaves the pipeline and everything after it (the body, anything else) is relayed unchanged. What does not start
 * like an HTTP response ({@code HTTP/}, a three-digit status), a {@code 101} and a head longer than
 * {@value #MAX_HEAD} bytes are relayed unchanged too: the proxy relays origins, it does not judge them. A head
 * still incomplete when the stream closes is passed on as it is.
 *
 * <h2>Threading and ownership</h2>
 * One instance per stream, in its pipeline before the relay, on the stream's event loop. Holds at most
 * {@value #MAX_HEAD} bytes of a head that has not ended yet; whatever it holds when it leaves the pipeline is
 * released.
 */
final class ClosingResponseHead extends ChannelInboundHandlerAdapter {
    /** The handler's name in the stream's pipeline. */
    static final String NAME = "http-response-head";
    /** Longest response head rewritten, in bytes: Netty's HTTP decoder's limits for the status line and headers. */
    static final int MAX_HEAD = 4096 + 8192;

    private static final String PREFIX = "HTTP/";
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection");
    /** Never removed, whatever {@code Connection} names: they delimit the body, which is relayed as it is. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

    /** Bytes read and not yet passed on: the start of a head. */
    private ByteBuf held;
    /** How far {@link #held} was searched for the end of the head, from its reader index. */
    private int scanned;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        held = held == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), held, bytes);
        while (held != null) {
            int checked = Math.min(PREFIX.length(), held.readableBytes());
            if (!held.toString(held.readerIndex(), checked, ISO_8859_1).equals(PREFIX.substring(0, checked))) {
                passOnUnchanged(ctx);
                return;
            }
            int end = endOfHead();
            if (end < 0) {
                if (held.readableBytes() > MAX_HEAD) {
                    passOnUnchanged(ctx);
                }
                return;
            }
            if (end - held.readerIndex() > MAX_HEAD) {
                passOnUnchanged(ctx);
                return;
            }
            String head = held.toString(held.readerIndex(), end - held.readerIndex(), ISO_8859_1);
            int status = status(head);
            if (status < 100 || status == 101) {
                passOnUnchanged(ctx);
                return;
            }
            if (status >= 200) {
                held.readerIndex(end);
                ctx.fireChannelRead(Unpooled.copiedBuffer(closing(head), ISO_8859_1));
                passOnUnchanged(ctx);
                return;
            }
            ctx.fireChannelRead(held.readRetainedSlice(end - held.readerIndex()));
            scanned = 0;
            if (!held.isReadable()) {
                held.release();
                held = null;
            }
        }
    }

    /** The index just past the blank line ending the head in {@link #held}, or -1 when it has not arrived. */
    private int endOfHead() {
        int from = held.readerIndex() + scanned;
        int to = held.writerIndex();
        for (int i = from; i < to; i++) {
            if (held.getByte(i) != '\n') {
                continue;
            }
            if (i + 1 < to && held.getByte(i + 1) == '\n') {
                return i + 2;
            }
            if (i + 2 < to && held.getByte(i + 1) == '\r' && held.getByte(i + 2) == '\n') {
                return i + 3;
            }
            if (i + 2 >= to) {
                scanned = i - held.readerIndex(); // this line feed may start the blank line: look again
                return -1;
            }
        }
        scanned = to - held.readerIndex();
        return -1;
    }

    /** The status code of a head ({@code HTTP/1.1 200 OK}), or -1 when its first line has none. */
    private static int status(String head) {
        int space = head.indexOf(' ');
        if (space < 0 || space + 4 > head.length()) {
            return -1;
        }
        String code = head.substring(space + 1, space + 4);
        for (int i = 0; i < code.length(); i++) {
            if (code.charAt(i) < '0' || code.charAt(i) > '9') {
                return -1;
            }
        }
        boolean ends = space + 4 == head.length() || head.charAt(space + 4) == ' ' || head.charAt(space + 4) == '\r'
                || head.charAt(space + 4) == '\n';
        return ends ? Integer.parseInt(code) : -1;
    }

    /** {@code head} without the origin's connection options and with {@code Connection: close}, in CRLF lines. */
    private static String closing(String head) {
        String[] lines = head.split("\r?\n", -1);
        Set<String> dropped = new HashSet<>(HOP_BY_HOP);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("connection")) {
                for (String option : lines[i].substring(colon + 1).split(",")) {
                    String name = option.trim().toLowerCase(Locale.ROOT);
                    if (!FRAMING.contains(name)) {
                        dropped.add(name);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder(head.length() + 19).append(lines[0]).append("\r\n");
        boolean dropping = false;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (!dropping) {
                    out.append(line).append("\r\n"); // an obsolete folded continuation of the header kept before
                }
                continue;
            }
            int colon = line.indexOf(':');
            dropping = colon > 0 && dropped.contains(line.substring(0, colon).trim().toLowerCase(Locale.ROOT));
            if (!dropping) {
                out.append(line).append("\r\n");
            }
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    /** Passes on what is held and leaves the pipeline: from here on the stream's bytes go to the relay as they are. */
    private void passOnUnchanged(ChannelHandlerContext ctx) {
        ByteBuf rest = held;
        held = null;
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (held != null) {
            ByteBuf partial = held;
            held = null;
            ctx.fireChannelRead(partial);
            ctx.fireChannelReadComplete();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
