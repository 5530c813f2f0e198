package org.anytls4j.core.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.HostPort;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.api.outbound.ReferenceFlags.Flag;
import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ConfigValidator;
import org.anytls4j.core.config.ValidatedConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code anytls4j client}: runs a client, from the reference client's flags or from {@code -c FILE}, not both. From
 * flags: a mixed inbound (SOCKS4/5 and HTTP proxy) at {@code -l} in front of the one outbound the transport builds
 * from its flags (for anytls: {@code -s HOST:PORT|LINK -p PASSWORD [--sni NAME] [-m MIN_IDLE] [--pin SHA256]...
 * [--insecure]}, {@link ReferenceFlags}). A file must have at least one pooled outbound.
 */
@Command(name = "client", description = {"Run a client: local inbounds through pooled outbounds.",
        "Either -c FILE, or the flags of the reference client (anytls-go cmd/client)."})
final class ClientCommand extends FlagsOrFileCommand {
    @Option(names = {"-l", "--listen"}, paramLabel = "IP:PORT",
            description = "Where the local SOCKS5/SOCKS4/HTTP proxy listens (default: 127.0.0.1:1080).")
    String listen;

    ClientCommand(Launcher launcher) {
        super(launcher, "the client's flags", "client options");
    }

    @Override
    List<Flag> flagsOf(ReferenceFlags reference) {
        return reference.clientFlags();
    }

    @Override
    boolean ownFlagsGiven() {
        return listen != null;
    }

    @Override
    Map<String, Object> fromFlags(ReferenceFlags reference, ReferenceFlags.Given given) {
        Map<String, Object> outbound = reference.clientOutbound(given);
        HostPort address = hostPort("-l", listen, "127.0.0.1:1080");
        Map<String, Object> inbound = new LinkedHashMap<>();
        inbound.put("type", "mixed");
        inbound.put("tag", "local");
        inbound.put("listen", address.host().isEmpty() ? "0.0.0.0" : address.host());
        inbound.put("listen_port", address.port());
        return Map.of("inbounds", List.of(inbound), "outbounds", List.of(outbound));
    }

    @Override
    String requirement(ValidatedConfig config) {
        boolean pooled = config.outbounds().stream().map(BlockSpec::type)
                .anyMatch(type -> !ConfigValidator.DIRECT.equals(type));
        return pooled ? null : "a client needs an outbound of a transport type "
                + launcher.contributions().transports().keySet() + "; none is configured";
    }
}
