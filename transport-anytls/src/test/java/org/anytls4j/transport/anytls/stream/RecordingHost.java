package org.anytls4j.transport.anytls.stream;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A {@link StreamChannel.Host} for unit tests: records writes and closes in {@link #events}, releases the data. */
final class RecordingHost implements StreamChannel.Host {
    /** {@code write <text>} per write, {@code closed} per close, in order; a test may add its own. */
    final List<String> events = new ArrayList<>();
    /** The {@code sendFin} of each close. */
    final List<Boolean> finsRequested = new ArrayList<>();

    @Override
    public void writeData(StreamChannel stream, ByteBuf data) {
        events.add("write " + data.toString(StandardCharsets.US_ASCII));
        data.release();
    }

    @Override
    public void flushData(StreamChannel stream) {
    }

    @Override
    public void streamClosed(StreamChannel stream, boolean sendFin) {
        events.add("closed");
        finsRequested.add(sendFin);
    }
}
