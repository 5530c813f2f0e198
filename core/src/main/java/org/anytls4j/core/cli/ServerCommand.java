package org.anytls4j.core.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ConfigProblem;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.plugin.PluginContributions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code anytls4j server}: runs an AnyTLS server, from the reference server's flags ({@code -l 0.0.0.0:8443
 * -p PASSWORD [--padding-scheme FILE]}) or from {@code -c FILE}, not both. From flags: one {@code anytls} inbound
 * with one user, a certificate the server generates at its first start and keeps under the inbound's
 * {@code tls.data_directory} (it logs the public-key pin clients need at each start, the same every time), and
 * streams going out directly. A file must have at least one inbound contributed by a transport plugin.
 */
@Command(name = "server", description = {"Run a server: transport inbounds (anytls) to the outbounds or direct.",
        "Either -c FILE, or the flags of the reference server (anytls-go cmd/server)."})
final class ServerCommand extends FlagsOrFileCommand {
    @Option(names = {"-l", "--listen"}, paramLabel = "IP:PORT",
            description = "Address to listen on (default: 0.0.0.0:8443; ':8443' means 0.0.0.0:8443).")
    String listen;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
            description = "The password clients authenticate with ('generate password' makes one). Default: the "
                    + "environment variable " + Launcher.PASSWORD_ENV + ", which, unlike -p, 'ps' does not show.")
    String password;

    @Option(names = {"--padding-scheme", "-padding-scheme"}, paramLabel = "FILE",
            description = "Padding scheme to push to clients, one 'key=value' line each (see 'padding --help').")
    Path paddingScheme;

    ServerCommand(Launcher launcher) {
        super(launcher, "-l, -p or --padding-scheme", "server options");
    }

    @Override
    boolean flagsGiven() {
        return listen != null || password != null || paddingScheme != null;
    }

    @Override
    Map<String, Object> fromFlags() {
        String password = this.password != null ? this.password
                : launcher.environment(Launcher.PASSWORD_ENV).orElse(null);
        if (password == null || password.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "a password is required: set the environment variable "
                    + Launcher.PASSWORD_ENV + " (or give -p PASSWORD, which 'ps' shows, or -c FILE)");
        }
        Map<String, Object> inbound = inboundAt("anytls", "anytls-in", listen, "0.0.0.0:8443");
        inbound.put("users", List.of(Map.of("name", "default", "password", password)));
        if (paddingScheme != null) {
            inbound.put("padding_scheme", schemeLines(paddingScheme));
        }
        return Map.of("inbounds", List.of(inbound));
    }

    /** The file's lines, without the trailing empty ones (a file usually ends with a newline). */
    private List<String> schemeLines(Path file) {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(file));
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--padding-scheme: cannot read " + file + ": "
                    + ConfigProblem.reason(e));
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
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
