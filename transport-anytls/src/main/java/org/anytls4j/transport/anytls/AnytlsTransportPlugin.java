package org.anytls4j.transport.anytls;

import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.ConfigImporter;
import org.anytls4j.api.Tool;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.transport.anytls.server.AnytlsInboundFactory;
import org.anytls4j.transport.anytls.tools.CertificateTool;
import org.anytls4j.transport.anytls.tools.MihomoImporter;
import org.anytls4j.transport.anytls.tools.PaddingTool;
import org.anytls4j.transport.anytls.tools.UriTool;
import org.pf4j.Extension;

/**
 * The AnyTLS plugin's single extension: the {@code anytls} outbound transport, the {@code anytls} inbound and
 * the AnyTLS launcher tools ({@code padding}, {@code uri}, {@code certificate}) and the {@code mihomo} importer
 * ({@code anytls4j import mihomo}).
 *
 * <h2>Threading</h2>
 * The host calls each method once, on one thread; every call returns fresh factories.
 */
@Extension
public final class AnytlsTransportPlugin implements AnytlsPlugin {
    @Override
    public List<TransportFactory> transports() {
        return List.of(new AnytlsTransportFactory());
    }

    @Override
    public List<InboundFactory> inbounds() {
        return List.of(new AnytlsInboundFactory());
    }

    @Override
    public List<Tool> tools() {
        return List.of(new PaddingTool(), new UriTool(), new CertificateTool());
    }

    @Override
    public List<ConfigImporter> importers() {
        return List.of(new MihomoImporter());
    }
}
