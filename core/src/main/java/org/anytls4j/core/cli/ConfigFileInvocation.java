package org.anytls4j.core.cli;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The command line of every service start and of the archive-writing check: {@code run}, {@code client},
 * {@code server} or {@code check} with one configuration file ({@code -c FILE}, {@code --config FILE} or
 * {@code --config=FILE}) and nothing else but the {@linkplain Launcher.GlobalOptions global options}. The launcher
 * runs it without building the picocli model (issue 12): picocli's 171 classes are in the Java 5 class format, which
 * class-data sharing on Java 17 cannot archive, and its model is built by reflection; that was ~14 % of a client's
 * launch to listening, for a command line that has nothing to parse.
 *
 * <p>Anything else, including every mistake, goes to the command line, which reports it: a second option, a
 * clustered or abbreviated one, a file name that picocli would read differently (one that starts with {@code -},
 * or with {@code @}, its argument-file prefix), a global option between {@code -c} and its file, without its value
 * or given twice, a request for help or the version. What it accepts, picocli parses to the same command and file
 * with no other option ({@code ConfigFileInvocationTest} checks that over generated command lines), and it runs that
 * command's own code.
 */
record ConfigFileInvocation(String command, Path file) {
    private static final String SHORT = "-c";
    private static final String LONG = "--config";

    ConfigFileInvocation {
        requireNonNull(command, "command");
        requireNonNull(file, "file");
    }

    /** The invocation {@code global}'s arguments are, when they are exactly that; empty for anything else. */
    static Optional<ConfigFileInvocation> of(Launcher.GlobalOptions global) {
        List<String> rest = global.rest;
        if (!global.wellFormed || rest.isEmpty() || !Launcher.GlobalOptions.RUNTIME_COMMANDS.contains(rest.get(0))) {
            return Optional.empty();
        }
        String value;
        if (rest.size() == 3 && (rest.get(1).equals(SHORT) || rest.get(1).equals(LONG))
                && global.restPositions.get(2).intValue() == global.restPositions.get(1) + 1) {
            value = rest.get(2);
        } else if (rest.size() == 2 && rest.get(1).startsWith(LONG + "=")) {
            value = rest.get(1).substring(LONG.length() + 1);
        } else {
            return Optional.empty();
        }
        if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ConfigFileInvocation(rest.get(0), Path.of(value)));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * Runs the command as its picocli-built twin would: its exit code; an exception it throws is reported as the
     * command line reports one ({@link Launcher#failed}).
     */
    int execute(Launcher launcher, PrintWriter out, PrintWriter err) {
        try {
            if (command.equals("check")) {
                CheckCommand check = new CheckCommand(launcher);
                check.config.file = file;
                return check.check(out, err);
            }
            RunCommand run = switch (command) {
                case "client" -> new ClientCommand(launcher);
                case "server" -> new ServerCommand(launcher);
                default -> new RunCommand(launcher);
            };
            run.config.file = file;
            return run.call();
        } catch (RuntimeException e) {
            return Launcher.failed(command, e, err);
        }
    }
}
