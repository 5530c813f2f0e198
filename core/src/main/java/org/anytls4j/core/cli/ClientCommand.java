package org.anytls4j.core.cli;

import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ConfigValidator;
import org.anytls4j.core.config.ValidatedConfig;
import picocli.CommandLine.Command;

/**
 * {@code anytls4j client -c FILE}: runs a client configuration, which must have at least one pooled outbound
 * (a transport such as {@code anytls}, not {@code direct}) for local inbounds to use.
 */
@Command(name = "client", description = "Run a client: local inbounds through pooled outbounds.")
final class ClientCommand extends RunCommand {
    ClientCommand(Launcher launcher) {
        super(launcher);
    }

    @Override
    String requirement(ValidatedConfig config) {
        boolean pooled = config.outbounds().stream().map(BlockSpec::type)
                .anyMatch(type -> !ConfigValidator.DIRECT.equals(type));
        return pooled ? null : "a client needs an outbound of a transport type "
                + launcher.contributions().transports().keySet() + "; none is configured";
    }
}
