package org.anytls4j.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fault relay itself: each fault does what the end-to-end fault matrix relies on. "Nothing arrives" is
 * checked with a short read timeout ({@link #QUIET}), the only way to observe an absence.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultRelayTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int QUIET = 300;

    private ServerSocket target;
    private final BlockingQueue<Socket> atTarget = new LinkedBlockingQueue<>();
    private FaultRelay relay;

    @BeforeEach
    void start() throws IOException {
        target = new ServerSocket(0, 50, LOOPBACK);
        Thread acceptor = new Thread(() -> {
            while (!target.isClosed()) {
                try {
                    Socket s = target.accept();
                    s.setSoTimeout(10_000);
                    atTarget.add(s);
                } catch (IOException e) {
                    return;
                }
            }
        }, "fault-relay-test-target");
        acceptor.setDaemon(true);
        acceptor.start();
        relay = FaultRelay.start((InetSocketAddress) target.getLocalSocketAddress());
    }

    @AfterEach
    void stop() throws IOException {
        relay.close();
        target.close();
        for (Socket s : atTarget) {
            s.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(LOOPBACK, relay.address().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private Socket nextAtTarget() throws InterruptedException {
        Socket s = atTarget.poll(10, TimeUnit.SECONDS);
        assertThat(s).as("a connection reached the target").isNotNull();
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private static String receive(Socket s, int length) throws IOException {
        return new String(s.getInputStream().readNBytes(length), StandardCharsets.US_ASCII);
    }

    private static void assertQuiet(Socket s) throws IOException {
        int before = s.getSoTimeout();
        s.setSoTimeout(QUIET);
        try {
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        } finally {
            s.setSoTimeout(before);
        }
    }

    private static void assertReset(Socket s) {
        assertThatThrownBy(() -> {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // nothing should come but the reset
            }
        }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }

    @Test
    void passForwardsBothWaysAndCountsConnectionsAndBytes() throws Exception {
        var answered = relay.when(r -> r.liveFlows() == 1);
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            send(client, "hello");
            assertThat(receive(server, 5)).isEqualTo("hello");
            assertThat(answered).as("live only once the target answered").isNotDone();
            send(server, "hi");
            assertThat(receive(client, 2)).isEqualTo("hi");
            answered.get(5, TimeUnit.SECONDS);
            assertThat(relay.attempts()).isEqualTo(1);
            assertThat(relay.bytesToServer()).isEqualTo(5);
            assertThat(relay.bytesToClient()).isEqualTo(2);
            FaultRelay.Flow flow = relay.flow(1).get(1, TimeUnit.SECONDS);
            assertThat(flow.bytesUp()).isEqualTo(5);
            assertThat(flow.bytesDown()).isEqualTo(2);

            server.close();
            assertThat(client.getInputStream().read()).as("a close passes as a clean EOF").isEqualTo(-1);
            flow.closeFuture().get(5, TimeUnit.SECONDS);
            relay.when(r -> r.liveFlows() == 0).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void freezeHoldsBytesAndClosesBothWaysKeepsConnectionsOpenAndPassDeliversWhatWasHeld() throws Exception {
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            relay.freeze();
            send(client, "up");
            send(server, "down");
            server.shutdownOutput(); // a FIN from the server is held too
            assertQuiet(client);
            assertQuiet(server);

            try (Socket during = connect()) {
                FaultRelay.Flow second = relay.flow(2).get(5, TimeUnit.SECONDS);
                assertThat(relay.attempts()).as("connects are accepted and counted").isEqualTo(2);
                assertThat(atTarget.poll(QUIET, TimeUnit.MILLISECONDS)).as("but do not reach the target").isNull();
                assertThat(second.isClosed()).isFalse();

                relay.pass();
                assertThat(receive(server, 2)).isEqualTo("up");
                assertThat(receive(client, 4)).isEqualTo("down");
                assertThat(client.getInputStream().read()).as("the held FIN").isEqualTo(-1);
                Socket late = nextAtTarget();
                send(during, "late");
                assertThat(receive(late, 4)).isEqualTo("late");
                late.close();
            }
            server.close();
        }
    }

    @Test
    void aClientThatClosesDuringAFreezeIsSeenClosedButTheTargetIsToldOnlyOnPass() throws Exception {
        Socket server;
        try (Socket client = connect()) {
            server = nextAtTarget();
            relay.freeze();
        }
        relay.flow(1).get(1, TimeUnit.SECONDS).closeFuture().get(5, TimeUnit.SECONDS);
        assertQuiet(server);
        relay.pass();
        assertThat(server.getInputStream().read()).isEqualTo(-1);
        server.close();
    }

    @Test
    void oneFlowCanBeFrozenAlone() throws Exception {
        try (Socket frozen = connect(); Socket free = connect()) {
            Socket frozenServer = nextAtTarget();
            Socket freeServer = nextAtTarget();
            relay.flow(1).get(1, TimeUnit.SECONDS).freeze();
            send(frozenServer, "x");
            send(freeServer, "y");
            assertThat(receive(free, 1)).isEqualTo("y");
            assertQuiet(frozen);
            relay.flow(1).get(1, TimeUnit.SECONDS).thaw();
            assertThat(receive(frozen, 1)).isEqualTo("x");
            frozenServer.close();
            freeServer.close();
        }
    }

    @Test
    void anIdleFlowIsDroppedSilentlyNothingPassesAndNothingIsClosed() throws Exception {
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            send(client, "warm");
            assertThat(receive(server, 4)).isEqualTo("warm");
            FaultRelay.Flow flow = relay.flow(1).get(1, TimeUnit.SECONDS);
            relay.dropIdleAfter(Duration.ofMillis(200));
            flow.dropFuture().get(5, TimeUnit.SECONDS);
            assertThat(flow.droppedForIdleness()).isTrue();

            send(client, "lost");
            send(server, "lost");
            server.shutdownOutput();
            assertQuiet(client);
            assertQuiet(server);
            assertThat(flow.isClosed()).as("the client is not told").isFalse();
            relay.pass();
            assertQuiet(client); // a dropped flow stays dead
            server.close();
        }
    }

    @Test
    void resetSendsAnRstToBothSidesOfEveryFlow() throws Exception {
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            send(client, "a");
            assertThat(receive(server, 1)).isEqualTo("a");
            relay.reset();
            assertReset(client);
            assertReset(server);
            server.close();
        }
    }

    @Test
    void refuseResetsNewConnectsAtOnceAndCountsThemUntilPass() throws Exception {
        relay.refuse();
        try (Socket refused = connect()) {
            assertReset(refused);
        }
        assertThat(relay.flow(1).get(1, TimeUnit.SECONDS).refused()).isTrue();
        assertThat(atTarget).isEmpty();
        relay.pass();
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            send(client, "ok");
            assertThat(receive(server, 2)).isEqualTo("ok");
            server.close();
        }
        assertThat(relay.attempts()).isEqualTo(2);
    }

    @Test
    void aTargetThatIsDownResetsTheClientAndRetargetReachesANewOne() throws Exception {
        int deadPort;
        try (ServerSocket gone = new ServerSocket(0, 1, LOOPBACK)) {
            deadPort = gone.getLocalPort();
        }
        InetSocketAddress original = (InetSocketAddress) target.getLocalSocketAddress();
        relay.retarget(new InetSocketAddress(LOOPBACK, deadPort));
        try (Socket client = connect()) {
            assertReset(client);
        }
        relay.retarget(original);
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            send(server, "back");
            assertThat(receive(client, 4)).isEqualTo("back");
            server.close();
        }
        assertThat(relay.attempts()).isEqualTo(2);
    }

    @Test
    void delayForwardsLaterInOrder() throws Exception {
        try (Socket client = connect()) {
            Socket server = nextAtTarget();
            relay.delay(Duration.ofMillis(250));
            long start = System.nanoTime();
            send(client, "one");
            send(client, "two");
            assertThat(receive(server, 6)).isEqualTo("onetwo");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            relay.pass();
            server.close();
        }
    }
}
