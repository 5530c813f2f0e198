package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.anytls4j.core.plugin.PluginLocation;
import org.anytls4j.core.plugin.TestPluginJars;
import org.anytls4j.core.runtime.BuiltinContributions;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The command line the launcher runs without picocli ({@link ConfigFileInvocation}) against picocli itself, with the
 * command-line model the launcher builds (a transport's reference flags included): whatever it accepts, picocli
 * parses to the same command and file and nothing else; what it declines is left to picocli, which reports it.
 */
class ConfigFileInvocationTest {
    private static final List<String> COMMANDS = List.of("run", "client", "server", "check");
    private static Path dir;
    /** One launcher per model: each runtime command alone, and all of them (key ""). */
    private static final Map<String, Launcher> LAUNCHERS = new HashMap<>();

    @BeforeContainer
    static void loadPlugins() throws IOException {
        dir = Files.createTempDirectory("config-file-invocation");
        Path plugins = dir.resolve("plugins");
        TestPluginJars.plugin("fake-transport").source("test.fake.FakePlugin", LauncherTest.FAKE_PLUGIN)
                .resource("reference.conf", "anytls4j.transport.fake { server = null, server_port = 443 }")
                .writeTo(plugins);
        for (String command : List.of("run", "client", "server", "check", "plugins")) {
            Launcher.GlobalOptions global = Launcher.GlobalOptions.parse(new String[] {command});
            Launcher launcher = new Launcher(global, PluginLocation.deployment(plugins), new BuiltinContributions(),
                    Map.of());
            launcher.loadPlugins();
            LAUNCHERS.put(global.commandBuiltAlone().orElse(""), launcher);
        }
    }

    @AfterContainer
    static void close() throws IOException {
        LAUNCHERS.values().forEach(Launcher::close);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Property(tries = 1500)
    void whatItAcceptsPicocliParsesToTheSameCommandAndFileAndNothingElse(@ForAll("commandLines") List<String> args) {
        String[] array = args.toArray(String[]::new);
        Launcher.GlobalOptions global = Launcher.GlobalOptions.parse(array);
        Optional<ConfigFileInvocation> direct = ConfigFileInvocation.of(global);
        Statistics.label("accepted").collect(direct.isPresent());
        Statistics.label("accepted").coverage(checker -> checker.check(true).percentage(p -> p >= 10));
        if (direct.isEmpty()) {
            return;
        }
        CommandLine model = LAUNCHERS.get(global.commandBuiltAlone().orElse(""))
                .commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));

        ParseResult parsed = model.parseArgs(array);

        assertThat(parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()).isFalse();
        assertThat(parsed.matchedPositionals()).isEmpty();
        ParseResult sub = parsed.subcommand();
        assertThat(sub).as("a subcommand").isNotNull();
        assertThat(sub.commandSpec().name()).isEqualTo(direct.get().command());
        assertThat(sub.hasSubcommand()).isFalse();
        assertThat(sub.matchedPositionals()).isEmpty();
        assertThat(sub.matchedOptions().stream().map(OptionSpec::longestName).distinct()
                .filter(name -> !name.equals("--plugins-dir") && !name.equals("--log-level")))
                .containsExactly("--config");
        Object command = sub.commandSpec().userObject();
        Path file = command instanceof CheckCommand check ? check.config.file : ((RunCommand) command).config.file;
        assertThat(file).isEqualTo(direct.get().file());
        assertThat(global.logLevel).isEqualTo(globalValue(parsed, "--log-level"));
        assertThat(global.pluginsDir == null ? null : global.pluginsDir.toString())
                .isEqualTo(globalValue(parsed, "--plugins-dir"));
    }

    /** The value picocli gave a global option, on the top command or (inherited) on the subcommand; null if none. */
    private static String globalValue(ParseResult parsed, String name) {
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption(name)) {
                return String.valueOf((Object) level.matchedOptionValue(name, null));
            }
        }
        return null;
    }

    /** Command lines near the accepted form: each part is usually right, sometimes one of its near misses. */
    @Provide
    Arbitrary<List<String>> commandLines() {
        Arbitrary<String> command = mostly(Arbitraries.of(COMMANDS),
                Arbitraries.of("plugins", "help", "clinet", "generate", "-c"));
        Arbitrary<String> file = mostly(Arbitraries.of("client.conf", "a b.conf", "/etc/anytls4j/server.conf",
                "conf/x.json", "check"), Arbitraries.of("-x.conf", "@args", "", "--", "-c", "=x", "--log-level",
                "--plugins-dir=/p"));
        Arbitrary<List<String>> global = mostly(Arbitraries.of(List.of(), List.of("--log-level", "debug"),
                List.of("--log-level=warn"), List.of("--plugins-dir", "/opt/plugins"), List.of("--plugins-dir=/p")),
                Arbitraries.of(List.of("--log-level"), List.of("--plugins-dir"), List.of("-h"), List.of("--help"),
                        List.of("-V"), List.of("--"), List.of("-k"), List.of("-s", "h:443"), List.of("extra"),
                        List.of("-c", "second.conf"), List.of("--plugins-dir", "@dirs"), List.of("--log-level", "-c"),
                        List.of("--log-level", "--log-level")));
        Arbitrary<List<String>> between = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(List.of())),
                Tuple.of(1, global));
        Arbitrary<String> option = mostly(Arbitraries.of("-c", "--config", "--config="),
                Arbitraries.of("-c=", "-cfile.conf", "--conf", "-C", "--CONFIG", "--config:"));
        Arbitrary<List<String>> config = Combinators.combine(option, between, file).as((name, middle, value) -> {
            if (name.endsWith("=")) {
                return List.of(name + value);
            }
            if (name.startsWith("-c") && name.length() > 2) {
                return List.of(name);
            }
            List<String> tokens = new ArrayList<>(List.of(name));
            tokens.addAll(middle);
            tokens.add(value);
            return tokens;
        });
        return Combinators.combine(global, command, config, global, global).as((before, name, options, after, end) -> {
            List<String> args = new ArrayList<>(before);
            args.add(name);
            args.addAll(options);
            args.addAll(after);
            args.addAll(end);
            return args;
        });
    }

    private static <T> Arbitrary<T> mostly(Arbitrary<T> right, Arbitrary<T> nearMiss) {
        return Arbitraries.frequencyOf(Tuple.of(8, right), Tuple.of(1, nearMiss));
    }

    @Example
    void readsTheThreeFormsOfTheOptionForEachRuntimeCommand() {
        for (String command : COMMANDS) {
            for (String[] args : List.of(new String[] {command, "-c", "x.conf"},
                    new String[] {command, "--config", "x.conf"}, new String[] {"--log-level", "debug", command,
                            "--config=x.conf", "--plugins-dir=/p"})) {
                assertThat(ConfigFileInvocation.of(Launcher.GlobalOptions.parse(args)))
                        .as(String.join(" ", args)).contains(new ConfigFileInvocation(command, Path.of("x.conf")));
            }
        }
    }

    @Example
    void leavesEverythingElseToTheCommandLine() {
        for (String line : List.of("client", "client -c", "client -c x.conf -k", "client -cx.conf",
                "client -c x.conf --help", "-V client -c x.conf", "client -c @more.args", "client -c -x.conf",
                "plugins -c x.conf", "client --log-level -c x.conf", "client -c x.conf --log-level",
                "--log-level info client -c x.conf --log-level debug", "client -c x.conf -- more",
                "generate certificate -c x.conf", "client -c --plugins-dir /p x.conf",
                "client --log-level --log-level debug -c x.conf", "--plugins-dir @dirs client -c x.conf")) {
            assertThat(ConfigFileInvocation.of(Launcher.GlobalOptions.parse(line.split(" ")))).as(line).isEmpty();
        }
    }

    @Example
    void aCommandThatThrowsEndsAsTheCommandLineWouldEndIt() {
        StringWriter err = new StringWriter();
        // plugins never loaded: the command's first question to the launcher throws
        Launcher unloaded = new Launcher(Launcher.GlobalOptions.parse(new String[] {"client"}),
                PluginLocation.deployment(dir), new BuiltinContributions(), Map.of());
        ConfigFileInvocation direct = new ConfigFileInvocation("client", dir.resolve("client.conf"));

        assertThat(direct.execute(unloaded, new PrintWriter(err, true), new PrintWriter(err, true)))
                .isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).startsWith("client: ");
    }
}
