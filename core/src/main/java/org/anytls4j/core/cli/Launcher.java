package org.anytls4j.core.cli;

import static java.util.Objects.requireNonNull;

import com.google.inject.Guice;
import com.google.inject.Stage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.Tool;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.core.config.ConfigProblem;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.inject.HostModule;
import org.anytls4j.core.inject.PluginContributionsModule;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.plugin.PluginHost;
import org.anytls4j.core.plugin.PluginLocation;
import org.anytls4j.core.plugin.PluginSetupException;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.anytls4j.core.runtime.Host;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The launcher: the only place that starts PF4J and creates the Guice injector (in {@link Stage#PRODUCTION}). One
 * call of {@link #execute} is one process invocation: parse the global options, load the plugins, build the
 * command line (built-in commands plus every plugin {@link Tool}), run the command, release everything.
 *
 * <h2>Commands</h2>
 * Each command gets this launcher and asks it for what it needs: {@link #contributions()} (cheap), {@link #host()}
 * (creates the injector and the event loops on first use), {@link #applyLogLevel} and {@link #awaitShutdown()}.
 *
 * <h2>Threading and lifecycle</h2>
 * Used from the thread that calls {@link #execute}; {@link #requestShutdown()} may be called from any thread (the
 * JVM's shutdown hook does). Closed at the end of {@code execute}.
 */
public final class Launcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Launcher.class);
    /** See {@link #loadedUntilExit()}. */
    private static final List<PluginHost> LOADED_UNTIL_EXIT = new CopyOnWriteArrayList<>();
    /**
     * The commands that run until stopped and log their lifecycle at INFO; the others (check, plugins, generate,
     * tools) print their result and log only WARN and above unless {@code --log-level} says otherwise, so that a
     * check does not show the start and stop lines of every inbound and pool it builds and closes.
     */
    static final Set<String> SERVING_COMMANDS = Set.of("run", "client", "server");
    /** Names of the built-in commands; a plugin tool may not take one. */
    static final Set<String> BUILT_IN_COMMANDS = Set.of("plugins", "check", "run", "client", "server", "generate",
            "help");

    /** The variable {@code client} and {@code server} read the password from when {@code -p} is not given. */
    static final String PASSWORD_ENV = "ANYTLS4J_PASSWORD";

    private final GlobalOptions global;
    private final Map<String, String> environment;
    private final PluginLocation location;
    private final AnytlsPlugin builtin;
    private final CompletableFuture<Void> shutdown = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private PluginHost plugins;
    private Host host;

    Launcher(GlobalOptions global, PluginLocation location, AnytlsPlugin builtin, Map<String, String> environment) {
        this.environment = requireNonNull(environment, "environment");
        this.global = requireNonNull(global, "global");
        this.location = requireNonNull(location, "location");
        this.builtin = requireNonNull(builtin, "builtin");
    }

    /**
     * Runs one invocation.
     *
     * @return the exit code ({@link ExitCodes})
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, new BuiltinContributions(), Map.of());
    }

    /**
     * Runs one invocation with the given built-in contributions and extra system properties (tests use them to
     * point at a plugins directory without touching the JVM's properties).
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, AnytlsPlugin builtin,
                              Map<String, String> propertyOverrides) {
        return execute(args, out, err, builtin, propertyOverrides, System.getenv());
    }

    /**
     * Runs one invocation with the given built-in contributions, extra system properties and environment (tests
     * pass one to set or unset {@code ANYTLS4J_PASSWORD} and {@code ANYTLS4J_HOME} without touching the process's).
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, AnytlsPlugin builtin,
                              Map<String, String> propertyOverrides, Map<String, String> environment) {
        GlobalOptions global = GlobalOptions.parse(args);
        Logging.dropPf4jRefusalEcho();
        StartupWarmup.loggingInitialised();
        String levelBefore = Logging.level();
        try {
            if (global.logLevel != null) {
                Logging.setLevel(global.logLevel);
            } else if (!SERVING_COMMANDS.contains(global.command()) || global.asksForHelp()) {
                Logging.setLevel("warn");
            }
        } catch (IllegalArgumentException e) {
            err.println("--log-level: " + e.getMessage());
            err.flush();
            return ExitCodes.INVALID;
        }
        try {
            return execute(global, args, out, err, builtin, propertyOverrides, Map.copyOf(environment));
        } finally {
            Logging.restore();
            if (levelBefore != null) {
                Logging.setLevel(levelBefore);
            }
        }
    }

    private static int execute(GlobalOptions global, String[] args, PrintWriter out, PrintWriter err,
                               AnytlsPlugin builtin, Map<String, String> propertyOverrides,
                               Map<String, String> environment) {
        Map<String, String> properties = new java.util.HashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        properties.putAll(propertyOverrides);
        PluginLocation location = PluginLocation.resolve(Optional.ofNullable(global.pluginsDir), properties,
                environment, Path.of("").toAbsolutePath());
        try (Launcher launcher = new Launcher(global, location, builtin, environment)) {
            return launcher.run(args, out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int run(String[] args, PrintWriter out, PrintWriter err) {
        Optional<String> missing = missingPluginsDirectory();
        if (missing.isPresent() && needsPlugins()) {
            err.println(missing.get());
            return ExitCodes.FAILURE;
        }
        try {
            loadPlugins();
        } catch (PluginSetupException e) {
            log.error("{}", e.getMessage());
            err.println(e.getMessage());
            return ExitCodes.FAILURE;
        } catch (RuntimeException e) {
            log.error("plugins cannot be loaded from {}", location, e);
            err.println("plugins cannot be loaded from " + location + ": " + ConfigProblem.reason(e));
            return ExitCodes.FAILURE;
        }
        Optional<ConfigFileInvocation> direct = ConfigFileInvocation.of(global);
        if (direct.isPresent()) {
            return direct.get().execute(this, out, err);
        }
        CommandLine commandLine = commandLine(out, err);
        return commandLine.execute(args);
    }

    /** Starts the plugin manager and loads the installed plugins. */
    void loadPlugins() {
        plugins = PluginHost.start(location, builtin);
    }

    /**
     * Why plugins cannot be found: the deployment directory does not exist; empty when it does (or in development
     * mode, where the source tree is the root).
     */
    Optional<String> missingPluginsDirectory() {
        if (location.mode() != org.pf4j.RuntimeMode.DEPLOYMENT
                || location.roots().stream().anyMatch(java.nio.file.Files::isDirectory)) {
            return Optional.empty();
        }
        return Optional.of("plugins directory " + location.roots().get(0).toAbsolutePath()
                + " does not exist, so the transport (anytls) and the pool policies are not installed. The launcher"
                + " looks in --plugins-dir DIR, else -Dpf4j.pluginsDir, else $ANYTLS4J_HOME/plugins (bin/anytls4j"
                + " sets ANYTLS4J_HOME to the installation), else ./plugins");
    }

    /** Whether the command line runs something that needs the plugins: not help, version or generate. */
    private boolean needsPlugins() {
        String command = global.command();
        return !(command.isEmpty() || global.asksForHelp() || global.asksForVersion() || command.equals("generate")
                || command.equals("help"));
    }

    /**
     * The command line: built-in commands and one subcommand per plugin tool. For a command that runs the host
     * ({@link GlobalOptions#RUNTIME_COMMANDS}) without asking for help it holds that command alone: picocli builds each
     * command's model by reflection as it is added, 20-60 ms of every start for commands that do not run; the
     * others, and every request for help, get them all (the overview, and suggestions for a mistyped name).
     */
    CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new AnytlsCommand());
        String only = global.commandBuiltAlone().orElse(null);
        if (only == null) {
            commandLine.addSubcommand("plugins", new PluginsCommand(this));
        }
        if (only == null || only.equals("check")) {
            commandLine.addSubcommand("check", new CheckCommand(this));
        }
        if (only == null || only.equals("run")) {
            commandLine.addSubcommand("run", new RunCommand(this));
        }
        Optional<ReferenceFlags> reference = new TreeMap<>(contributions().transports()).values().stream()
                .filter(ReferenceFlags.class::isInstance).map(ReferenceFlags.class::cast).findFirst();
        for (String name : List.of("client", "server")) {
            if (only == null || only.equals(name)) {
                FlagsOrFileCommand command = name.equals("client") ? new ClientCommand(this) : new ServerCommand(this);
                CommandLine sub = new CommandLine(command);
                command.addReferenceFlags(sub.getCommandSpec(), reference);
                commandLine.addSubcommand(sub.getCommandName(), sub);
            }
        }
        if (only != null) {
            return configure(commandLine, out, err);
        }
        commandLine.addSubcommand("generate", new GenerateCommand(this));
        CommandLine importCommand = new CommandLine(new ImportCommand(this));
        importCommand.getCommandSpec().usageMessage().footer(
                ImportCommand.installedImporters(contributions().importers()));
        commandLine.addSubcommand("import", importCommand);
        commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        for (Tool tool : contributions().tools().values()) {
            if (BUILT_IN_COMMANDS.contains(tool.name())) {
                log.warn("tool '{}' of plugin '{}' has the name of a built-in command; not added", tool.name(),
                        contributions().pluginIdOf(tool).orElse("?"));
                continue;
            }
            CommandLine toolCommand = toolCommand(tool, out, err);
            if (tool.name().equals(GenerateCommand.CERTIFICATE_TOOL)) {
                toolCommand.getCommandSpec().usageMessage().hidden(true); // listed as 'generate certificate'
            }
            commandLine.addSubcommand(tool.name(), toolCommand);
        }
        return configure(commandLine, out, err);
    }

    private static CommandLine configure(CommandLine commandLine, PrintWriter out, PrintWriter err) {
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> failed(cl.getCommandName(), e,
                cl.getErr()));
        return commandLine;
    }

    /** What a command that threw {@code e} ends with: the error logged and its reason printed, exit code 1. */
    static int failed(String command, Exception e, PrintWriter err) {
        log.error("{} failed", command, e);
        err.println(command + ": " + ConfigProblem.reason(e));
        return ExitCodes.FAILURE;
    }

    /** A subcommand that hands its arguments, unparsed, to {@link Tool#run}. */
    private static CommandLine toolCommand(Tool tool, PrintWriter out, PrintWriter err) {
        PositionalParamSpec arguments = PositionalParamSpec.builder()
                .arity("0..*").paramLabel("ARGS").type(String[].class)
                .description("arguments of the tool (see '" + tool.name() + " --help')").build();
        java.util.concurrent.Callable<Integer> call = () -> {
            String[] values = arguments.getValue();
            return tool.run(values == null ? List.of() : List.of(values), out, err);
        };
        CommandSpec spec = CommandSpec.wrapWithoutInspection(call);
        spec.name(tool.name());
        spec.usageMessage().description(tool.description());
        spec.addPositional(arguments);
        spec.parser().unmatchedOptionsArePositionalParams(true);
        spec.parser().unmatchedOptionsAllowedAsOptionParameters(true);
        return new CommandLine(spec);
    }

    /** What the plugins (and {@code core}) contribute; available to every command. */
    PluginContributions contributions() {
        return plugins.contributions();
    }

    /** The value of an environment variable, as this invocation sees the environment. */
    Optional<String> environment(String name) {
        return Optional.ofNullable(environment.get(name));
    }

    PluginLocation location() {
        return location;
    }

    /** The {@code Plugin-Requires} of an installed plugin; empty for core. */
    Optional<String> pluginRequires(String pluginId) {
        return plugins.requires(pluginId);
    }

    /** The run-time service, created (with the injector and the event loops) on first use. */
    Host host() {
        if (host == null) {
            StartupWarmup.awaitNetty();
            host = Guice.createInjector(Stage.PRODUCTION,
                    new PluginContributionsModule(contributions()), new HostModule()).getInstance(Host.class);
        }
        return host;
    }

    /** Applies the {@code log} block; its {@code level} only when {@code --log-level} was not given. */
    void applyLogLevel(ValidatedConfig config) {
        Logging.configure(config, global.logLevel == null);
    }

    /**
     * Makes {@link #awaitShutdown()} return, then waits (up to 15 seconds) until the running command has stopped
     * everything: the JVM's shutdown hook (SIGTERM, Ctrl-C) calls this, and the JVM halts when it returns.
     */
    void requestShutdown() {
        shutdown.complete(null);
        try {
            stopped.get(15, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("shutdown did not finish in 15s; exiting anyway");
        }
    }

    /** Blocks until {@link #requestShutdown()}. */
    void awaitShutdown() {
        shutdown.join();
    }

    /** Tells {@link #requestShutdown()} that everything is stopped. */
    void stopped() {
        stopped.complete(null);
    }

    /**
     * Closes the run-time service and the plugins; the plugins of the check that writes the class-data sharing
     * archive ({@link TrainingExercise#requested()}) are only stopped, and stay loaded until the JVM exits
     * ({@link #loadedUntilExit()}).
     */
    @Override
    public void close() {
        if (host != null) {
            host.close();
        }
        if (plugins != null) {
            if (TrainingExercise.requested()) {
                plugins.stop();
                LOADED_UNTIL_EXIT.add(plugins);
            } else {
                plugins.close();
            }
        }
    }

    /**
     * The plugins of the checks that wrote a class-data sharing archive, stopped, strongly reachable until the JVM
     * exits. The JVM writes that archive as it exits, from the classes loaded then: a GC after the plugins were
     * unloaded took theirs out of it (1 archive in 3), and every start with that archive then read the plugins'
     * classes from their jars, on the main thread before it listens and on the first connections' path.
     */
    static List<PluginHost> loadedUntilExit() {
        return List.copyOf(LOADED_UNTIL_EXIT);
    }

    /**
     * The options that matter before the command line can be built, read from anywhere in args: {@code --plugins-dir}
     * and {@code --log-level}, each as {@code --name VALUE} or {@code --name=VALUE}; everything else, in order, is
     * {@link #rest}. A plain scan, not picocli: the first use of picocli costs the main thread 35-145 ms (its model is
     * built by reflection), while a second thread can load it meanwhile ({@link StartupWarmup}); the command line
     * proper, with these options declared on {@link AnytlsCommand}, validates them and reports a missing value.
     */
    static final class GlobalOptions {
        /** The commands that build the runtime (injector, event loops, TLS contexts): the serving ones and check. */
        static final Set<String> RUNTIME_COMMANDS = Set.of("run", "client", "server", "check");
        static final String PLUGINS_DIR = "--plugins-dir";
        static final String LOG_LEVEL = "--log-level";

        Path pluginsDir;
        String logLevel;
        final List<String> rest = new ArrayList<>();
        /** Where each of {@link #rest} was in the arguments. */
        final List<Integer> restPositions = new ArrayList<>();
        /**
         * False when a global option is missing its value, has one that picocli could read otherwise (it starts
         * with {@code -} or {@code @}), names an impossible path or is given twice: only the command line may run
         * these arguments, and it reports what is wrong ({@link ConfigFileInvocation}).
         */
        boolean wellFormed = true;

        /** Whether the arguments ask for usage help rather than for the command to run. */
        boolean asksForHelp() {
            return rest.contains("-h") || rest.contains("--help");
        }

        /**
         * The command {@link Launcher#commandLine} builds alone: one of {@link #RUNTIME_COMMANDS} when no help is asked for;
         * empty when it needs them all.
         */
        Optional<String> commandBuiltAlone() {
            return RUNTIME_COMMANDS.contains(command()) && !asksForHelp() ? Optional.of(command()) : Optional.empty();
        }

        /** Whether the arguments ask for the version. */
        boolean asksForVersion() {
            return rest.contains("-V") || rest.contains("--version");
        }

        /** The command's name: the first argument that is not a global option; "" when there is none. */
        String command() {
            return rest.stream().filter(arg -> !arg.startsWith("-")).findFirst().orElse("");
        }

        static GlobalOptions parse(String[] args) {
            GlobalOptions options = new GlobalOptions();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                if (!name.equals(PLUGINS_DIR) && !name.equals(LOG_LEVEL)) {
                    options.rest.add(arg);
                    options.restPositions.add(i);
                    continue;
                }
                String value;
                if (!name.equals(arg)) {
                    value = arg.substring(name.length() + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    options.wellFormed = false;
                    continue; // the command line reports the missing value
                }
                if (!seen.add(name) || value.startsWith("-") || value.startsWith("@")) {
                    options.wellFormed = false;
                }
                if (name.equals(LOG_LEVEL)) {
                    options.logLevel = value;
                } else {
                    try {
                        options.pluginsDir = Path.of(value);
                    } catch (java.nio.file.InvalidPathException e) {
                        options.wellFormed = false; // the command line reports it, naming the option
                    }
                }
            }
            return options;
        }
    }
}
