package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.core.pool.PoolEnvironment;
import org.anytls4j.core.pool.SessionPool;
import org.anytls4j.core.testing.FaultRelay;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.testkit.PoolConfigs;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.anytls4j.transport.anytls.server.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real pool over the real client and server, with a relay that black-holes the connections it carries
 * (issue 8, finding 3): a pre-warmed session whose path died silently must not leave a request hanging. Its first
 * stream is guarded because the outbound learnt from an earlier session that the server speaks v2; the open fails
 * within {@code stream_open_timeout}, the session closes, and the pool retries the request once on a fresh
 * session, which succeeds.
 */
@Timeout(60)
class PooledSessionFailoverTest {
    private ServerHarness server;
    private Channel echo;
    private FaultRelay relay;
    private TestContext context;
    private AnytlsSessionConnector connector;
    private SessionPool pool;

    /** Keeps one idle session: the pre-warmed session of the scenario. */
    private static final class PreWarm implements PoolPolicyFactory {
        @Override
        public String name() {
            return "test_prewarm";
        }

        @Override
        public boolean enabledBy(Config settings) {
            return true;
        }

        @Override
        public PoolPolicy create(Config settings, PolicyContext context) {
            return (snapshot, nowNanos) -> snapshot.idle().isEmpty() && snapshot.creating() == 0
                    ? Decision.of(List.of(PoolAction.create(1, "test-pre-warm"))) : Decision.nothing();
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = ServerHarness.start("");
        echo = TestServers.echo(server.netty.workerGroup());
        relay = FaultRelay.start(server.address);
        context = TestContext.client("failover", server.netty);
        connector = (AnytlsSessionConnector) new AnytlsTransportFactory().create(
                TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + relay.address().getPort()
                        + ", password = " + ServerHarness.PASSWORD + ", tls { insecure = true }"
                        + ", stream_open_timeout = 500ms, connect_timeout = 3s"),
                context);
    }

    @AfterEach
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
        connector.close();
        relay.close();
        echo.close().sync();
        server.close();
        context.close();
    }

    private Destination echoDestination() {
        return new Destination("127.0.0.1", TestServers.port(echo));
    }

    /** Writes {@code text} on the stream and completes with what comes back, once as long. */
    private static CompletableFuture<String> roundTrip(Channel stream, String text) {
        CompletableFuture<String> back = new CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf data = (ByteBuf) msg;
                seen.append(data.toString(StandardCharsets.UTF_8));
                data.release();
                if (seen.length() >= text.length()) {
                    back.complete(seen.toString());
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                back.completeExceptionally(cause);
            }
        });
        stream.config().setAutoRead(true); // a stream delivers nothing until its owner reads
        stream.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        return back;
    }

    /** Waits for a condition, parking a millisecond between looks, up to 10 s. */
    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    void aPreWarmedSessionWhoseServerWentSilentFailsOverToAFreshSessionWithinTheBound() throws Exception {
        // An earlier session of the outbound learnt that the server speaks v2.
        AtomicLong seq = new AtomicLong(100);
        Session teacher = connector.connect(seq::incrementAndGet).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Channel first = teacher.openStream(echoDestination()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(roundTrip(first, "hello").get(10, TimeUnit.SECONDS)).isEqualTo("hello");
        assertThat(connector.serverKnowledge().knowsV2()).isTrue();
        teacher.close(org.anytls4j.api.CloseReason.SHUTDOWN);

        pool = SessionPool.create("failover", PoolConfigs.withDefaults(ConfigFactory.empty()), connector,
                List.of(new PreWarm()), List.of(), new PoolEnvironment(Ticker.SYSTEM, context.scheduler(),
                        context.meterRegistry(), () -> new SplittableRandom(1), factory -> context));
        pool.start();
        await("one pre-warmed session in the pool", () -> pool.snapshot().idle().size() == 1);

        try (LogCapture logs = LogCapture.of(ClientSession.class.getName())) {
            relay.flows().forEach(FaultRelay.Flow::freeze);           // the pre-warmed session's path goes silent
            long start = System.nanoTime();
            Channel stream = pool.open(echoDestination(), server.netty.workerGroup().next())
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(roundTrip(stream, "after the black hole").get(10, TimeUnit.SECONDS))
                    .isEqualTo("after the black hole");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).as("the bound (500 ms) plus a fresh session").isLessThan(Duration.ofSeconds(3));
            assertThat(logs.lines(Level.WARN)).anySatisfy(line -> assertThat(line)
                    .matches("outbound=failover session=#\\d+ no SYNACK within 500ms; closing"));
        }
    }
}
