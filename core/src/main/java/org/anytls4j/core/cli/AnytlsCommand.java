package org.anytls4j.core.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code anytls4j} command. Its own options are read by the launcher before the command line is
 * built ({@link Launcher.GlobalOptions}); they are declared here so that help shows them and every subcommand
 * accepts them.
 */
@Command(name = "anytls4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "AnyTLS client and server with a pluggable session pool.",
        footer = {"", "Plugin tools are listed among the commands; run 'anytls4j <tool> --help' for theirs."})
final class AnytlsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--plugins-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Directory of plugin jars (default: $ANYTLS4J_HOME/plugins, or -Dpf4j.pluginsDir).")
    Path pluginsDir;

    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "Root log level: trace, debug, info, warn, error, off. Overrides log.level.")
    String logLevel;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }
}
