package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first stream of a session leaves with the Settings, before the server could announce its version: with
 * {@code first_stream_wait} it waits for the server's answer, so a v2 refusal fails the open (the local client
 * then gets a proper SOCKS or HTTP error), a v1 server's stream is handed out on its ServerSettings-less silence
 * or its {@code v=1}, and a session that never answers hands the stream out when the wait is over.
 */
class ClientFirstStreamWaitTest {
    private static final PaddingScheme NO_PADDING = PaddingScheme.parseConfigured("stop=1\n0=30-30");

    private EmbeddedChannel channel;
    private ClientSession session;

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private CompletableFuture<Channel> openFirstStream(Duration wait) {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        session = new ClientSession("test", 1, () -> 0L, channel, new AtomicReference<>(NO_PADDING), new Random(3),
                "anytls4j/0.1.0", 256 * 1024, 1024 * 1024, wait).attach();
        CompletableFuture<Channel> open = session.openStream(new Destination("example.com", 443))
                .toCompletableFuture();
        channel.runPendingTasks();
        return open;
    }

    private void inbound(int command, long sid, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer(7 + data.length);
        FrameEncoder.writeHeader(out, command, sid, data.length);
        channel.writeInbound(out.writeBytes(data));
        channel.runPendingTasks();
    }

    @Test
    void aV2RefusalOfTheFirstStreamFailsTheOpenWithTheServersText() {
        CompletableFuture<Channel> open = openFirstStream(Duration.ofSeconds(1));
        assertThat(open).isNotDone();
        inbound(Command.SERVER_SETTINGS, 0, "v=2");
        assertThat(open).isNotDone();
        inbound(Command.SYNACK, 1, "dial tcp 127.0.0.1:9: connect: connection refused");
        assertThat(open).isCompletedExceptionally();
        assertThat(open).failsWithin(0, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StreamRefusedException.class)
                .withMessageContaining("connection refused");
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void aV2SynackHandsTheFirstStreamOut() throws Exception {
        CompletableFuture<Channel> open = openFirstStream(Duration.ofSeconds(1));
        inbound(Command.SERVER_SETTINGS, 0, "v=2");
        inbound(Command.SYNACK, 1, "");
        assertThat(open.get(0, TimeUnit.SECONDS).isActive()).isTrue();
    }

    @Test
    void aV1AnnouncementHandsTheFirstStreamOutAtOnce() throws Exception {
        CompletableFuture<Channel> open = openFirstStream(Duration.ofSeconds(1));
        inbound(Command.SERVER_SETTINGS, 0, "v=1");
        assertThat(open.get(0, TimeUnit.SECONDS).isActive()).isTrue();
    }

    @Test
    void aSilentServerGetsTheFirstStreamHandedOutWhenTheWaitIsOver() throws Exception {
        CompletableFuture<Channel> open = openFirstStream(Duration.ofSeconds(1));
        channel.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(open).isNotDone();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        Channel stream = open.get(0, TimeUnit.SECONDS);
        assertThat(stream.isActive()).isTrue();
        // a late refusal still reaches the stream, as for any optimistic open
        inbound(Command.SERVER_SETTINGS, 0, "v=2");
        inbound(Command.SYNACK, 1, "too late");
        assertThat(stream.isActive()).isFalse();
    }

    @Test
    void withoutAWaitTheFirstStreamIsHandedOutOnceWrittenAsTheReferenceDoes() throws Exception {
        CompletableFuture<Channel> open = openFirstStream(Duration.ZERO);
        assertThat(open.get(0, TimeUnit.SECONDS).isActive()).isTrue();
    }

    @Test
    void closingTheSessionFailsAWaitingFirstStream() {
        CompletableFuture<Channel> open = openFirstStream(Duration.ofSeconds(1));
        session.close(org.anytls4j.api.CloseReason.SHUTDOWN);
        channel.runPendingTasks();
        assertThat(open).isCompletedExceptionally();
    }
}
