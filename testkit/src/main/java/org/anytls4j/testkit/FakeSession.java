package org.anytls4j.testkit;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.StreamRefusedException;

/**
 * A {@link Session} without a network: streams are {@link EmbeddedChannel}s, closing is immediate, and the test
 * decides how stream opens and heartbeats go ({@link #refuseNextStream}, {@link #dieOnNextStream},
 * {@link #heartbeat()}). Made by {@link FakeConnector}, or directly.
 *
 * <h2>Threading</h2>
 * Thread-safe enough for single-threaded tests driven through a {@link ManualScheduler}, which is also its
 * {@link #executor()}. Close listeners run on the thread that closes.
 *
 * <h2>Lifecycle</h2>
 * Active from construction until {@link #close}; closing completes {@link #closeFuture()} once, with the first
 * reason, and closes every open stream channel (no FIN, as a real session does).
 */
public final class FakeSession implements Session {
    private final long seq;
    private final long createdNanos;
    private final ScheduledExecutorService executor;
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    private final List<EmbeddedChannel> openStreams = new ArrayList<>();
    private final List<Destination> destinations = new ArrayList<>();
    private final FakeHeartbeat heartbeat = new FakeHeartbeat(this);
    private volatile boolean heartbeatCapable = true;
    private volatile int peerVersion = 2;
    private volatile long lastReadNanos;
    private volatile boolean readsPaused;
    private IOException failNext;
    private String refuseNext;
    private boolean dieOnNext;

    public FakeSession(long seq, long createdNanos, ScheduledExecutorService executor) {
        this.seq = seq;
        this.createdNanos = createdNanos;
        this.executor = executor;
        this.lastReadNanos = createdNanos;
    }

    @Override
    public long seq() {
        return seq;
    }

    @Override
    public long createdNanos() {
        return createdNanos;
    }

    @Override
    public synchronized int openStreams() {
        return openStreams.size();
    }

    @Override
    public int peerVersion() {
        return peerVersion;
    }

    public FakeSession peerVersion(int version) {
        this.peerVersion = version;
        return this;
    }

    /** By default the server is heard from at once (the connect's time); see {@link #silent()}, {@link #heardAt}. */
    @Override
    public long lastReadNanos() {
        return lastReadNanos;
    }

    /** Plays a server that has sent nothing yet: {@link #lastReadNanos()} is {@link Long#MIN_VALUE}. */
    public FakeSession silent() {
        this.lastReadNanos = Long.MIN_VALUE;
        return this;
    }

    /** Plays something received from the server at {@code nanos} on the ticker. */
    public FakeSession heardAt(long nanos) {
        this.lastReadNanos = nanos;
        return this;
    }

    @Override
    public boolean readsPaused() {
        return readsPaused;
    }

    /** Plays local back-pressure holding off (or no longer holding off) the session's reads. */
    public FakeSession readsPaused(boolean paused) {
        this.readsPaused = paused;
        return this;
    }

    @Override
    public boolean isActive() {
        return !closeFuture.isDone();
    }

    @Override
    public ScheduledExecutorService executor() {
        return executor;
    }

    @Override
    public CompletionStage<Channel> openStream(Destination destination) {
        EmbeddedChannel stream;
        synchronized (this) {
            if (!isActive()) {
                return CompletableFuture.failedFuture(new IOException("session #" + seq + " is closed"));
            }
            if (refuseNext != null) {
                String text = refuseNext;
                refuseNext = null;
                return CompletableFuture.failedFuture(new StreamRefusedException(text));
            }
            if (failNext != null) {
                IOException failure = failNext;
                failNext = null;
                return CompletableFuture.failedFuture(failure);
            }
            if (!dieOnNext) {
                stream = new EmbeddedChannel();
                openStreams.add(stream);
                destinations.add(destination);
            } else {
                stream = null;
            }
        }
        if (stream == null) {
            close(CloseReason.ERROR);
            return CompletableFuture.failedFuture(new IOException("session #" + seq + " died (fake)"));
        }
        stream.closeFuture().addListener(f -> {
            synchronized (this) {
                openStreams.remove(stream);
            }
        });
        return CompletableFuture.completedFuture(stream);
    }

    /** The next stream open fails with {@link StreamRefusedException} carrying {@code peerText}. */
    public synchronized FakeSession refuseNextStream(String peerText) {
        this.refuseNext = peerText;
        return this;
    }

    /**
     * The next stream open fails with {@code failure} while the session still looks active, as a TLS connection
     * the server closed does before its close was read ({@code SSLEngine closed already}).
     */
    public synchronized FakeSession failNextStream(IOException failure) {
        this.failNext = failure;
        return this;
    }

    /** The next stream open finds the connection dead: the session closes (reason error) and the open fails. */
    public synchronized FakeSession dieOnNextStream() {
        this.dieOnNext = true;
        return this;
    }

    /** Every destination a stream was opened to, in order. */
    public synchronized List<Destination> destinations() {
        return List.copyOf(destinations);
    }

    /** The stream channels open now. */
    public synchronized List<EmbeddedChannel> streams() {
        return List.copyOf(openStreams);
    }

    @Override
    public void close(CloseReason reason) {
        if (!closeFuture.complete(reason)) {
            return;
        }
        List<EmbeddedChannel> closing;
        synchronized (this) {
            closing = List.copyOf(openStreams);
        }
        closing.forEach(EmbeddedChannel::close);
        heartbeat.sessionClosed();
    }

    @Override
    public CompletionStage<CloseReason> closeFuture() {
        return closeFuture;
    }

    /** The reason the session closed with, or empty while active. */
    public Optional<CloseReason> closeReason() {
        return Optional.ofNullable(closeFuture.getNow(null));
    }

    /** The heartbeat capability, to script answers; see {@link #withoutHeartbeat()}. */
    public FakeHeartbeat heartbeat() {
        return heartbeat;
    }

    /** Plays a transport without the {@link Heartbeat} capability. */
    public FakeSession withoutHeartbeat() {
        this.heartbeatCapable = false;
        return this;
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == Heartbeat.class && heartbeatCapable) {
            return Optional.of(type.cast(heartbeat));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "FakeSession#" + seq + (isActive() ? "" : "(closed " + closeFuture.getNow(null) + ")");
    }
}
