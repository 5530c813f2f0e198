package org.anytls4j.core.cli;

import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.plugin.PluginContributions;
import picocli.CommandLine.Command;

/**
 * {@code anytls4j server -c FILE}: runs a server configuration, which must have at least one inbound contributed by
 * a transport plugin (such as {@code anytls}); its streams go out through the configured outbounds, or directly.
 */
@Command(name = "server", description = "Run a server: transport inbounds (anytls) to the outbounds or direct.")
final class ServerCommand extends RunCommand {
    ServerCommand(Launcher launcher) {
        super(launcher);
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
