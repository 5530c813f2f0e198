package org.anytls4j.core.cli;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.anytls4j.api.outbound.QuickStart;
import org.anytls4j.core.config.ConfigProblem;
import org.anytls4j.core.config.InvalidConfigException;
import org.anytls4j.core.config.ValidatedConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j run [-c FILE]}: runs a configuration until the process is told to stop (SIGTERM, Ctrl-C); without
 * {@code -c} (and without {@code -Dconfig.file}) it runs the {@link EmbeddedDefault} and prints how to use it.
 * {@code client} and {@code server} are the same with a check of what the configuration must contain; subclasses
 * override {@link #requirement} and build the configuration from their own options in {@link #configuration}
 * ({@link FlagsOrFileCommand}).
 */
@Command(name = "run", description = {"Run the inbounds and outbounds of a configuration until stopped.",
        "Without -c: an AnyTLS server and client on this machine with a local SOCKS5/HTTP proxy on 127.0.0.1:1080."})
class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    final Launcher launcher;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigFileOption config = new ConfigFileOption();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private EmbeddedDefault embedded;

    RunCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    /**
     * Loads and validates the configuration this command runs: the file of {@code -c} or {@code -Dconfig.file},
     * else the embedded default. Subclasses build theirs from their options.
     *
     * @throws ParameterException for options that cannot be combined or are missing
     */
    ValidatedConfig configuration() {
        if (configFileGiven()) {
            return launcher.host().load(config.file());
        }
        QuickStart quickStart = new TreeMap<>(launcher.contributions().transports()).values().stream()
                .filter(QuickStart.class::isInstance).map(QuickStart.class::cast).findFirst()
                .orElseThrow(() -> new InvalidConfigException(List.of(new ConfigProblem(EmbeddedDefault.SOURCE,
                        "inbounds", "the anytls transport plugin, which the embedded default runs, is not installed "
                                + "in " + launcher.location()))));
        embedded = EmbeddedDefault.generate(quickStart);
        return launcher.host().validate(embedded.config(), EmbeddedDefault.SOURCE);
    }

    /** Whether a configuration file was named, by {@code -c} or {@code -Dconfig.file}. */
    final boolean configFileGiven() {
        return config.file().isPresent() || System.getProperty("config.file") != null;
    }

    /** Called once everything is bound, with each inbound's tag and address; tells the user what runs. */
    void started(Map<String, InetSocketAddress> bound) {
        if (embedded != null) {
            embedded.printUsage(bound, spec.commandLine().getOut());
        }
    }

    /** What is missing from {@code config} for this command, or null when it can run. */
    String requirement(ValidatedConfig config) {
        return null;
    }

    @Override
    public final Integer call() {
        ValidatedConfig validated;
        try {
            validated = configuration();
        } catch (InvalidConfigException e) {
            log.error("{}", e.getMessage());
            return ExitCodes.INVALID;
        }
        String missing = requirement(validated);
        if (missing != null) {
            log.error("{}: {}", validated.source(), missing);
            return ExitCodes.INVALID;
        }
        launcher.applyLogLevel(validated);
        Thread hook = new Thread(launcher::requestShutdown, "anytls4j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Map<String, InetSocketAddress> bound = launcher.host().start(validated);
            log.debug("bound {}", bound);
            started(bound);
        } catch (InvalidConfigException e) {
            log.error("{}", e.getMessage());
            removeHook(hook);
            return ExitCodes.INVALID;
        } catch (IllegalStateException e) {
            log.error("{}", e.getMessage());
            removeHook(hook);
            return ExitCodes.FAILURE;
        }
        launcher.awaitShutdown();
        try {
            launcher.host().stop();
        } finally {
            launcher.stopped();
        }
        removeHook(hook);
        return ExitCodes.OK;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or has run
        }
    }
}
