package org.anytls4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.anytls4j.api.metrics.Metrics;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.pool.PoolPolicy;
import org.junit.jupiter.api.Test;

/**
 * The policy/monitor side of the API needs neither Netty nor Micrometer (API 2.0): everything in its packages, and
 * every API type they reference, down to the last one, is free of both; and the check sees Netty that comes through
 * an API type, not only a direct import.
 */
class ApiSplitTest {
    private static final Path API = NettyFree.classesOf(PoolPolicy.class);

    @Test
    void thePoolMonitorAndMetricsPackagesReferenceNeitherNettyNorMicrometer() {
        assertThat(SessionMonitor.class.getProtectionDomain()).isEqualTo(Metrics.class.getProtectionDomain());
        assertThat(NettyFree.violations(API, "org/anytls4j/api/")).as("the scan reads the api at " + API).isNotEmpty();
        assertThat(NettyFree.violations(API, "org/anytls4j/api/pool/")).isEmpty();
        assertThat(NettyFree.violations(API, "org/anytls4j/api/monitor/")).isEmpty();
        assertThat(NettyFree.violations(API, "org/anytls4j/api/metrics/")).isEmpty();
    }

    @Test
    void theTransportSpiIsWhereNettyLivesAndTheCheckSeesIt() {
        assertThat(NettyFree.violations(API, "org/anytls4j/api/outbound/Session"))
                .contains("org/anytls4j/api/outbound/Session -> io/netty/channel/Channel");
        assertThat(NettyFree.violations(API, "org/anytls4j/api/outbound/TransportContext"))
                .anyMatch(v -> v.endsWith("io/micrometer/core/instrument/MeterRegistry"));
    }

    @Test
    void nettyThatComesThroughAnApiTypeIsCaughtAndTheMonitorViewIsClean() {
        Path tests = NettyFree.classesOf(ApiSplitTest.class);
        assertThat(NettyFree.violations(tests, "org/anytls4j/testkit/scan/UsesSession"))
                .contains("org/anytls4j/testkit/scan/UsesSession -> org/anytls4j/api/outbound/Session"
                        + " -> io/netty/channel/Channel");
        assertThat(NettyFree.violations(tests, "org/anytls4j/testkit/scan/UsesMonitoredSession")).isEmpty();
    }
}
