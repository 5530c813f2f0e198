package org.anytls4j.transport.anytls.padding;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameEncoder;

/**
 * The client's per-session packet shaper (PADDING.md sections 7, 8 and 10): it counts the session's writes
 * ("packets") and cuts each one into the TLS record payloads the current padding scheme asks for, adding Waste
 * frames where a record is larger than what is left to send.
 *
 * <p>The caller hands every returned buffer to TLS as <em>its own write followed by a flush</em>, so that each
 * becomes exactly one TLS record (Netty's {@code SslHandler} merges pending writes otherwise). Every shaped
 * record is a buffer of one piece, since OpenSSL turns each piece of a composite into a record of its own. Only the last
 * buffer of a packet may be an unshaped remainder (section 7.2 step 6) that TLS is free to split.
 *
 * <h2>Scheme and randomness</h2>
 * The scheme is looked up through the supplier at every packet, so an UpdatePaddingScheme received mid-session
 * applies to the next packet (section 7.2 step 2), including its {@code stop}. Sizes come from the injected
 * {@link RandomGenerator}: a seeded one reproduces exact record sizes (tests, the {@code padding simulate}
 * tool); production uses {@link java.security.SecureRandom}.
 *
 * <h2>Threading and ownership</h2>
 * Not thread-safe: one instance per session, used only on the session's event loop. {@link #shape} takes
 * ownership of its input; the caller owns (and must release or write) every returned buffer.
 */
public final class PaddingWriter {
    private final Supplier<PaddingScheme> scheme;
    private final RandomGenerator random;
    private int packetCounter;
    private boolean active = true;

    /**
     * @param scheme the owner's current scheme, read at every packet
     * @param random the source of drawn sizes
     */
    public PaddingWriter(Supplier<PaddingScheme> scheme, RandomGenerator random) {
        this.scheme = requireNonNull(scheme, "scheme");
        this.random = requireNonNull(random, "random");
    }

    /** The number of the last shaped packet (0 before the first session write). */
    public int packetCounter() {
        return packetCounter;
    }

    /** False once a packet reached the scheme's {@code stop}: the session never pads again. */
    public boolean isActive() {
        return active;
    }

    /**
     * Shapes one session write as the next packet.
     *
     * @param bytes the write; ownership passes to this method
     * @return the record payloads in send order, each a buffer of one piece: each must be written and flushed on
     *     its own; when padding is no longer active this is the input as one buffer (TLS may cut it into records
     *     of its maximum size, as for the unshaped tail of a packet)
     */
    public List<ByteBuf> shape(ByteBuf bytes, ByteBufAllocator alloc) {
        if (!active) {
            return List.of(whole(bytes, alloc));
        }
        int packet = ++packetCounter;
        PaddingScheme current = scheme.get();
        if (packet >= current.stop()) {
            active = false;
            return List.of(whole(bytes, alloc));
        }
        return cut(bytes, current.drawSizes(packet, random), alloc);
    }

    /**
     * Cuts {@code bytes} into records for already drawn {@code sizes} (PADDING.md section 7.2 step 5-6, with the
     * multi-frame Waste of section 10). {@link PaddingScheme#CHECK_MARK} entries are check marks.
     *
     * @param bytes released by this method
     */
    public static List<ByteBuf> cut(ByteBuf bytes, int[] sizes, ByteBufAllocator alloc) {
        List<ByteBuf> records = new ArrayList<>(sizes.length + 1);
        boolean done = false;
        try {
            for (int size : sizes) {
                int remaining = bytes.readableBytes();
                if (size == PaddingScheme.CHECK_MARK) {
                    if (remaining == 0) {
                        break;
                    }
                    continue;
                }
                if (remaining > size) {
                    records.add(contiguous(bytes, size, alloc));
                } else if (remaining > 0) {
                    ByteBuf record = alloc.buffer(Math.max(size, remaining));
                    record.writeBytes(bytes, remaining);
                    fillWithWaste(record, size - remaining);
                    records.add(record);
                } else {
                    records.add(wasteOnly(size, alloc));
                }
            }
            if (bytes.isReadable()) {
                records.add(contiguous(bytes, bytes.readableBytes(), alloc));
            }
            done = true;
            return records;
        } finally {
            bytes.release();
            if (!done) {
                records.forEach(ByteBuf::release);
            }
        }
    }

    /** {@code bytes} as a buffer of one piece (see {@link #contiguous}); takes ownership. */
    private static ByteBuf whole(ByteBuf bytes, ByteBufAllocator alloc) {
        if (bytes.nioBufferCount() == 1) {
            return bytes;
        }
        try {
            return contiguous(bytes, bytes.readableBytes(), alloc);
        } finally {
            bytes.release();
        }
    }

    /**
     * The next {@code size} bytes of {@code bytes} as a buffer of one piece. A session write is often a composite
     * (a frame header and its payload, or the held Settings in front of the first stream's frames), and a slice of
     * it would reach the TLS engine as several pieces: OpenSSL writes each piece as its own record, so a 7-byte
     * frame header would leave as a record of its own. Records are at most a few KiB and only the first packets
     * of a session are shaped, so copying them costs little.
     */
    private static ByteBuf contiguous(ByteBuf bytes, int size, ByteBufAllocator alloc) {
        if (bytes.nioBufferCount() == 1) {
            return bytes.readRetainedSlice(size);
        }
        ByteBuf record = alloc.buffer(size);
        record.writeBytes(bytes, size);
        return record;
    }

    /**
     * Appends Waste frames filling {@code gap} bytes while more than a header's worth is unfilled; a gap of 7
     * bytes or less stays unfilled (no zero-length Waste is ever sent).
     */
    private static void fillWithWaste(ByteBuf record, int gap) {
        while (gap > Frame.HEADER_LENGTH) {
            int data = Math.min(gap - Frame.HEADER_LENGTH, Frame.MAX_DATA_LENGTH);
            FrameEncoder.writeHeader(record, Command.WASTE, 0, data);
            record.writeZero(data);
            gap -= Frame.HEADER_LENGTH + data;
        }
    }

    /** A record of only Waste carrying {@code size} zero data bytes: {@code size + 7} bytes for one frame. */
    private static ByteBuf wasteOnly(int size, ByteBufAllocator alloc) {
        int frames = (size + Frame.MAX_DATA_LENGTH - 1) / Frame.MAX_DATA_LENGTH;
        ByteBuf record = alloc.buffer(size + frames * Frame.HEADER_LENGTH);
        int left = size;
        while (left > 0) {
            int data = Math.min(left, Frame.MAX_DATA_LENGTH);
            FrameEncoder.writeHeader(record, Command.WASTE, 0, data);
            record.writeZero(data);
            left -= data;
        }
        return record;
    }
}
