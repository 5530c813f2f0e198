package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.anytls4j.core.inbound.InboundMetrics;
import org.junit.jupiter.api.Test;

/** The server's meters beside the host's inbound meters in the registry the admin listener scrapes. */
class ServerMetricsTest {

    @Test
    void serverMetersAndHostInboundMetersLiveInOnePrometheusRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // A process that runs a mixed inbound and an anytls inbound registers both families.
        InboundMetrics host = new InboundMetrics(registry, "local", "mixed");
        host.upload("hk").increment(5);
        host.download("hk").increment(7);
        ServerMetrics server = new ServerMetrics(registry, "in");
        server.bytesIn(11);
        server.bytesOut(13);
        server.sessionOpened();
        server.streamOpened();
        server.authFailed(true);

        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("anytls4j_inbound_bytes_total{direction=\"upload\",inbound=\"local\",outbound=\"hk\","
                        + "type=\"mixed\"} 5.0")
                .contains("anytls4j_inbound_bytes_total{direction=\"download\",inbound=\"local\",outbound=\"hk\","
                        + "type=\"mixed\"} 7.0")
                .contains("anytls4j_anytls_server_bytes_total{direction=\"in\",inbound=\"in\"} 11.0")
                .contains("anytls4j_anytls_server_bytes_total{direction=\"out\",inbound=\"in\"} 13.0")
                .contains("anytls4j_anytls_server_sessions_open{inbound=\"in\"} 1.0")
                .contains("anytls4j_anytls_server_streams_open{inbound=\"in\"} 1.0")
                .contains("anytls4j_anytls_server_auth_failures_total{cause=\"timeout\",inbound=\"in\"} 1.0");
    }

    @Test
    void everyServerMeterIsNamedUnderItsOwnPrefix() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ServerMetrics(registry, "in");

        assertThat(registry.getMeters())
                .isNotEmpty()
                .allSatisfy(m -> assertThat(m.getId().getName()).startsWith(ServerMetrics.PREFIX));
    }
}
