package org.anytls4j.it.pool;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.anytls4j.core.testing.FaultRelay;
import org.anytls4j.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's concurrency model against a real AnyTLS server (issue 9, section 2): several clients open, use and close
 * streams at once through the local proxy while the path drops sessions under them and ensure_idle refills the pool.
 * Only streams on a dropped session may fail; every other round trip comes back intact, nothing in the pool fails,
 * and the proxy still works afterwards.
 */
@Timeout(120)
class PoolConcurrencyEndToEndTest {
    private static final int CLIENTS = 6;
    private static final int ROUND_TRIPS = 20;
    private static final int DROPS = 5;

    @Test
    void clientsAtOnceWhileSessionsDropAndEnsureIdleRefills() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 2, max_streams_per_session = 2")) {
            Semaphore progress = new Semaphore(0);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            List<String> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Future<?>> work = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                work.add(clients.submit(() -> {
                    for (int i = 0; i < ROUND_TRIPS; i++) {
                        String text = "client " + client + " trip " + i;
                        try {
                            String echoed = e2e.roundTrip(text);
                            if (echoed.equals(text)) {
                                ok.incrementAndGet();
                            } else {
                                wrong.add(text + " came back as " + echoed);
                            }
                        } catch (IOException e) {
                            failed.incrementAndGet();   // its session was dropped under it
                        } finally {
                            progress.release();
                        }
                    }
                    return null;
                }));
            }
            SplittableRandom random = new SplittableRandom(11);
            int dropped = 0;
            for (int d = 0; d < DROPS; d++) {
                assertThat(progress.tryAcquire(CLIENTS * ROUND_TRIPS / (DROPS + 1), 60, TimeUnit.SECONDS)).isTrue();
                List<FaultRelay.Flow> live = e2e.relay.flows().stream().filter(f -> !f.isClosed()).toList();
                if (!live.isEmpty()) {
                    live.get(random.nextInt(live.size())).dropNow();
                    dropped++;
                }
            }
            for (Future<?> f : work) {
                f.get(90, TimeUnit.SECONDS);
            }

            assertThat(wrong).isEmpty();
            assertThat(ok.get() + failed.get()).isEqualTo(CLIENTS * ROUND_TRIPS);
            // A drop fails the streams its session carried (at most 2), or one being opened on it (retried once).
            assertThat(failed.get()).isLessThanOrEqualTo(dropped * 4);
            assertThat(e2e.roundTrip("still proxying")).isEqualTo("still proxying");
            assertThat(logs.lines(Level.ERROR)).isEmpty();
            assertThat(logs.lines(Level.WARN)).noneMatch(l -> l.contains("policy") && l.contains("failed"));
        } finally {
            clients.shutdownNow();
        }
    }
}
