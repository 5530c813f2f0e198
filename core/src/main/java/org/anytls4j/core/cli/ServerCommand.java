package org.anytls4j.core.cli;

import java.util.List;
import java.util.Map;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.api.outbound.ReferenceFlags.Flag;
import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.plugin.PluginContributions;
import picocli.CommandLine.Command;

/**
 * {@code anytls4j server}: runs a server, from the reference server's flags (for anytls: {@code -l 0.0.0.0:8443
 * -p PASSWORD [--padding-scheme FILE]}, which the transport declares and turns into its inbound block,
 * {@link ReferenceFlags}) or from {@code -c FILE}, not both. From flags, streams go out directly. A file must have
 * at least one inbound contributed by a transport plugin.
 */
@Command(name = "server", description = {"Run a server: transport inbounds (anytls) to the outbounds or direct.",
        "Either -c FILE, or the flags of the reference server (anytls-go cmd/server)."})
final class ServerCommand extends FlagsOrFileCommand {
    ServerCommand(Launcher launcher) {
        super(launcher, "-l, -p or --padding-scheme", "server options");
    }

    @Override
    List<Flag> flagsOf(ReferenceFlags reference) {
        return reference.serverFlags();
    }

    @Override
    boolean ownFlagsGiven() {
        return false;
    }

    @Override
    Map<String, Object> fromFlags(ReferenceFlags reference, ReferenceFlags.Given given) {
        return Map.of("inbounds", List.of(reference.serverInbound(given)));
    }

    @Override
    String requirement(ValidatedConfig config) {
        PluginContributions contributions = launcher.contributions();
        boolean serves = config.inbounds().stream().map(BlockSpec::type)
                .map(type -> contributions.inbounds().get(type))
                .anyMatch(factory -> factory != null && !contributions.pluginIdOf(factory)
                        .orElse(PluginContributions.CORE_PLUGIN_ID).equals(PluginContributions.CORE_PLUGIN_ID));
        return serves ? null : "a server needs an inbound contributed by a transport plugin; none is configured";
    }
}
