package org.anytls4j.transport.anytls.client;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.padding.PaddingWriter;

/**
 * The write side of a client session (PROTOCOL.md sections 9.1 and 12, PADDING.md section 7): every call of
 * {@link #write} is one <em>session write</em>.
 *
 * <ul>
 *   <li><b>Holding.</b> A new session starts holding its Settings frame. The first session write takes the held
 *   bytes in front of its own and leaves as one packet: packet 1 = {@code Settings + SYN + PSH(address)} for the
 *   first stream, or {@code Settings + HeartRequest} when a heartbeat comes first.</li>
 *   <li><b>Shaping.</b> While padding is active, each session write is one packet cut by the
 *   {@link PaddingWriter}; every record is written <em>and flushed</em> on its own, so that {@code SslHandler}
 *   (which merges pending writes when flushed) turns it into exactly one TLS record.</li>
 *   <li><b>After {@code stop}.</b> Writes are queued unflushed; {@link #flush()} sends them together, each
 *   frame a buffer of one piece that TLS cuts into records of up to 16 KiB.</li>
 * </ul>
 *
 * <h2>Threading and ownership</h2>
 * Used only on the session's event loop. {@link #write} takes ownership of its argument. Writes go to the
 * context of the session handler, i.e. to the handler in front of it ({@code SslHandler} in production).
 * A failed write closes the channel (the reference closes the session on a failed control-frame write).
 */
final class ClientSessionWriter {
    private final ChannelHandlerContext ctx;
    private final PaddingWriter padding;
    private ByteBuf held;
    private boolean unflushed;

    /**
     * @param held bytes to put in front of the first session write (the Settings frame); ownership passes
     */
    ClientSessionWriter(ChannelHandlerContext ctx, PaddingWriter padding, ByteBuf held) {
        this.ctx = requireNonNull(ctx, "ctx");
        this.padding = requireNonNull(padding, "padding");
        this.held = requireNonNull(held, "held");
    }

    /** True until the first session write sends the held Settings. */
    boolean isHolding() {
        return held != null;
    }

    /** The shaper's packet counter (the number of the last shaped packet). */
    int packetCounter() {
        return padding.packetCounter();
    }

    /**
     * One session write (one packet while padding is active).
     *
     * @param bytes ownership passes
     * @return the future of the last record written
     */
    ChannelFuture write(ByteBuf bytes) {
        if (held != null) {
            bytes = ctx.alloc().compositeBuffer(2).addComponents(true, held, bytes);
            held = null;
        }
        boolean shaping = padding.isActive();
        List<ByteBuf> records = padding.shape(bytes, ctx.alloc());
        shaping &= padding.isActive();
        ChannelFuture last = null;
        for (ByteBuf record : records) {
            last = ctx.write(record);
            last.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            if (shaping) {
                ctx.flush();
            } else {
                unflushed = true;
            }
        }
        return last != null ? last : ctx.newSucceededFuture();
    }

    /**
     * A stream's data as PSH frames of at most 65535 bytes, as one session write. Once padding has stopped (and
     * nothing is held), nothing counts packets any more, so the frames are queued unflushed
     * ({@link FrameEncoder#writeFrame}: each header shares a TLS record with its payload, and large payloads go to
     * TLS uncopied), and {@link #flush()} sends them together.
     *
     * @param data ownership passes
     */
    void writeData(long streamId, ByteBuf data) {
        if (held != null || padding.isActive()) {
            write(ClientFrames.dataFrames(ctx.alloc(), streamId, data));
            return;
        }
        try {
            do {
                int chunk = Math.min(data.readableBytes(), Frame.MAX_DATA_LENGTH);
                // a failed write fires exceptionCaught: the session closes
                FrameEncoder.writeFrame(ctx, Command.PSH, streamId, data, chunk, ctx.voidPromise());
            } while (data.isReadable());
            unflushed = true;
        } finally {
            data.release();
        }
    }

    /** Flushes writes made after padding stopped. */
    void flush() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /** Writes and flushes. */
    ChannelFuture writeAndFlush(ByteBuf bytes) {
        ChannelFuture future = write(bytes);
        flush();
        return future;
    }

    /** Releases held bytes that were never sent (the session closed first). */
    void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
