package org.anytls4j.core.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.anytls4j.core.config.ConfigLoader;
import org.anytls4j.core.config.ConfigProblem;
import org.anytls4j.core.config.InvalidConfigException;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.runtime.Assembly;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j check -c FILE}: validates a configuration as {@code run} would (keys, types, names, and each
 * factory's own checks) without opening a socket, prints what would run (and a {@code warning:} line for settings
 * that make two pool policies undo each other), and exits 0; or prints every problem,
 * one per line, and exits 2.
 */
@Command(mixinStandardHelpOptions = true, name = "check", description = "Validate a configuration and print what would run.")
final class CheckCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigFileOption config = new ConfigFileOption();

    CheckCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() {
        return check(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Runs the check, printing the result to {@code out} and the problems to {@code err}; the exit code. */
    int check(PrintWriter out, PrintWriter err) {
        if (config.file().isEmpty() && System.getProperty(ConfigLoader.FILE_PROPERTY) == null) {
            err.println("check: no configuration file given; pass one with -c FILE, e.g. anytls4j check -c "
                    + "conf/client.conf");
            err.flush();
            return ExitCodes.INVALID;
        }
        try {
            ValidatedConfig validated = launcher.host().load(config.file());
            try (Assembly assembly = launcher.host().assemble(validated)) {
                out.println(validated.source() + ": valid");
                assembly.describe().forEach(line -> out.println("  " + line));
                assembly.warnings().forEach(line -> out.println("  warning: " + line));
            }
            out.flush();
            if (TrainingExercise.requested()) {
                exercise();
            }
            return ExitCodes.OK;
        } catch (InvalidConfigException e) {
            err.println(e.getMessage().lines().findFirst().orElse("invalid configuration"));
            for (ConfigProblem problem : e.problems()) {
                err.println("  " + problem);
            }
            err.flush();
            return ExitCodes.INVALID;
        }
    }

    /**
     * The {@link TrainingExercise}, on the run that writes the class-data sharing archive: silent (its warnings, e.g.
     * about its client's {@code insecure} TLS, are not the operator's) and unable to change the check's result.
     */
    private void exercise() {
        String level = Logging.level();
        Logging.setLevel("off");
        Exception failure = null;
        try {
            TrainingExercise.run(launcher.host());
        } catch (Exception e) {
            failure = e;
        } finally {
            Logging.setLevel(level == null ? "info" : level);
        }
        if (failure != null) {
            LoggerFactory.getLogger(CheckCommand.class).debug("start-up training stopped early; the archive holds what "
                    + "ran until then", failure);
        }
    }
}
