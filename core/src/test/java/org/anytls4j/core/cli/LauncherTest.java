package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.core.plugin.TestPluginJars;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(60)
class LauncherTest {
    /**
     * A transport that never connects (check never connects), a tool that echoes its arguments and a {@code mihomo}
     * importer that says what it was given (and refuses an input that says {@code refuse}).
     */
    static final String FAKE_PLUGIN = """
            package test.fake;

            import com.typesafe.config.Config;
            import java.io.PrintWriter;
            import java.util.List;
            import java.util.Map;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import java.util.function.LongSupplier;
            import org.anytls4j.api.AnytlsPlugin;
            import org.anytls4j.api.ConfigImporter;
            import org.anytls4j.api.Tool;
            import org.anytls4j.api.outbound.ReferenceFlags;
            import org.anytls4j.api.outbound.Session;
            import org.anytls4j.api.outbound.SessionConnector;
            import org.anytls4j.api.outbound.TransportContext;
            import org.anytls4j.api.outbound.TransportFactory;

            @org.pf4j.Extension
            public class FakePlugin implements AnytlsPlugin {
                /** Reference flags that say what they were given, in the error they end with. */
                public abstract static class Flagged implements TransportFactory, ReferenceFlags {
                    @Override
                    public List<Flag> clientFlags() {
                        return List.of(new Flag(List.of("-s", "--server"), "HOST", false, "Fake server."),
                                new Flag(List.of("--pin"), "PIN", true, "Fake pins."),
                                new Flag(List.of("-k"), null, false, "Fake switch."));
                    }

                    @Override
                    public Map<String, Object> clientOutbound(Given given) {
                        throw new IllegalArgumentException("fake client saw server=" + given.value("-s").orElse("-")
                                + " pins=" + given.values("--pin") + " k=" + given.isSet("-k")
                                + " env=" + given.environment("FAKE_ENV").orElse("-")
                                + " my_policy=" + given.hasPoolPolicy("my_policy"));
                    }

                    @Override
                    public List<Flag> serverFlags() {
                        return List.of(new Flag(List.of("-x"), "X", false, "Fake server flag."));
                    }

                    @Override
                    public Map<String, Object> serverInbound(Given given) {
                        throw new IllegalArgumentException("fake server saw x=" + given.value("-x").orElse("-"));
                    }
                }

                @Override
                public List<TransportFactory> transports() {
                    return List.of(new Flagged() {
                        @Override
                        public String type() {
                            return "fake";
                        }

                        @Override
                        public SessionConnector create(Config settings, TransportContext context) {
                            settings.getString("server");
                            return new SessionConnector() {
                                @Override
                                public CompletionStage<Session> connect(LongSupplier sequencer) {
                                    return CompletableFuture.failedFuture(new java.io.IOException("never connects"));
                                }

                                @Override
                                public void close() {
                                }
                            };
                        }
                    });
                }

                @Override
                public List<Tool> tools() {
                    return List.of(new Tool() {
                        @Override
                        public String name() {
                            return "echo";
                        }

                        @Override
                        public String description() {
                            return "Prints its arguments.";
                        }

                        @Override
                        public int run(List<String> args, PrintWriter out, PrintWriter err) {
                            out.println(String.join(" ", args));
                            return args.contains("fail") ? 1 : 0;
                        }
                    }, new Tool() {
                        @Override
                        public String name() {
                            return "certificate";
                        }

                        @Override
                        public String description() {
                            return "Stands for the transport's certificate maker.";
                        }

                        @Override
                        public int run(List<String> args, PrintWriter out, PrintWriter err) {
                            out.println("certificate tool: " + String.join(" ", args));
                            return 0;
                        }
                    });
                }

                @Override
                public List<ConfigImporter> importers() {
                    return List.of(new ConfigImporter() {
                        @Override
                        public String format() {
                            return "mihomo";
                        }

                        @Override
                        public String description() {
                            return "Stands for the transport's mihomo importer.";
                        }

                        @Override
                        public Result convert(String source, String origin, java.io.Reader input)
                                throws ImportException {
                            String text;
                            try {
                                text = new java.io.BufferedReader(input).readLine();
                            } catch (java.io.IOException e) {
                                throw new ImportException(source + ": " + e.getMessage());
                            }
                            if (text.contains("refuse")) {
                                throw new ImportException(source + ":1: refused");
                            }
                            return new Result("# from " + origin + "\\nconverted = \\"" + text + "\\"\\n",
                                    List.of(source + ":1: a warning"), List.of("'x' (ss)"));
                        }
                    });
                }
            }
            """;

    @TempDir
    Path dir;

    private Path plugins;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void installPlugins() {
        plugins = dir.resolve("plugins");
        TestPluginJars.plugin("fake-transport").source("test.fake.FakePlugin", FAKE_PLUGIN)
                .resource("reference.conf", "anytls4j.transport.fake { server = null, server_port = 443 }")
                .writeTo(plugins);
        TestPluginJars.policyPlugin("pool-sample", "my_policy").writeTo(plugins);
    }

    private int run(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--plugins-dir";
        all[1] = plugins.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Launcher.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private int runWith(Map<String, String> environment, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--plugins-dir";
        all[1] = plugins.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Launcher.execute(all, new PrintWriter(out, true), new PrintWriter(err, true),
                new BuiltinContributions(), Map.of(), environment);
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void listsEveryPluginWithVersionStateAndContributions() {
        assertThat(run("plugins")).isZero();

        assertThat(out.toString())
                .containsPattern("core@" + ApiVersion.PRODUCT + " +started ")
                .containsPattern("fake-transport@1.0.0 +started +transport \\[fake\\], tool \\[echo, certificate\\],"
                        + " importer \\[mihomo\\]")
                .containsPattern("pool-sample@1.0.0 +started +pool-policy \\[my_policy\\]");
    }

    /** A plugin with a reference.conf, for {@code plugins --describe}. */
    private void installDescribedPlugin() {
        TestPluginJars.policyPlugin("pool-described", "described").version("2.3.4").requires(">=2.0.0 & <3.0.0")
                .resource("reference.conf", """
                        # Keys of the described policy.
                        anytls4j.pool-policy.described {
                          # The most sessions the policy keeps.
                          # An integer >= 0.
                          sample_cap = 8

                          # Where the policy reports; no default.
                          sample_target = null

                          sample_window = 30s
                        }
                        """).writeTo(plugins);
    }

    @Test
    void describePrintsIdVersionRequirementStateAndContributions() {
        installDescribedPlugin();

        assertThat(run("plugins", "--describe", "pool-described")).as(err.toString()).isZero();

        assertThat(out.toString())
                .contains("plugin pool-described\n")
                .containsPattern("version: +2\\.3\\.4\n")
                .containsPattern("requires: +API >=2\\.0\\.0 & <3\\.0\\.0 \\(host API " + ApiVersion.API + "\\)\n")
                .containsPattern("state: +started\n")
                .containsPattern("contributes:\n +pool-policy described\n");
    }

    @Test
    void describeListsTheReferenceKeysInTheFilesOrderWithDefaultsAndComments() {
        installDescribedPlugin();

        assertThat(run("plugins", "--describe", "pool-described")).as(err.toString()).isZero();

        assertThat(out.toString()).contains(String.join("\n",
                "    anytls4j.pool-policy.described.sample_cap = 8",
                "        The most sessions the policy keeps.",
                "        An integer >= 0.",
                "    anytls4j.pool-policy.described.sample_target = null",
                "        Where the policy reports; no default.",
                "    anytls4j.pool-policy.described.sample_window = 30s",
                ""));
    }

    @Test
    void describeSaysWhyAPluginDidNotStart() {
        TestPluginJars.policyPlugin("too-new", "future").requires(">=99.0.0").writeTo(plugins);

        assertThat(run("plugins", "--describe", "too-new")).isZero();

        assertThat(out.toString())
                .containsPattern("state: +refused \\(.*>=99\\.0\\.0.*\\)\n")
                .contains("keys: none (not started)");
    }

    @Test
    void describeShowsTheHostItself() {
        assertThat(run("plugins", "--describe", "core")).as(err.toString()).isZero();

        assertThat(out.toString())
                .containsPattern("requires: +built in \\(host API " + ApiVersion.API + "\\)\n")
                .containsPattern("inbound socks\n")
                .contains("anytls4j.pool.idle_session_check_interval = ");
    }

    @Test
    void describeOfAnUnknownIdIsAnErrorNamingTheInstalledOnes() {
        assertThat(run("plugins", "--describe", "nope")).isEqualTo(ExitCodes.INVALID);

        assertThat(err.toString()).contains("no plugin 'nope'; installed: [core, fake-transport, pool-sample]");
    }

    @Test
    void checkPrintsWhatWouldRunIncludingAPolicySelectedByName() throws IOException {
        Path config = file("client.conf", """
                outbounds = [
                  { type = fake, tag = hk, server = "127.0.0.1", pool_policies = [ my_policy ] }
                  { type = direct, tag = out }
                ]
                """);

        assertThat(run("check", "-c", config.toString())).as(err.toString()).isZero();

        assertThat(out.toString())
                .contains(config + ": valid")
                .containsPattern("outbound 'hk' type=fake pooled policies=\\[.*my_policy.*\\]")
                .contains("outbound 'out' type=direct");
    }

    @Test
    void checkRefusesARequestTimeoutUnderASecondNamingTheKey() throws IOException {
        Path config = file("short.conf", """
                inbounds = [ { type = socks, tag = s, listen = "127.0.0.1", listen_port = 1080, request_timeout = 200ms } ]
                outbounds = [ { type = direct, tag = out } ]
                """);

        assertThat(run("check", "-c", config.toString())).isEqualTo(ExitCodes.INVALID);

        assertThat(err.toString()).contains("short.conf:1: inbounds[0].request_timeout: must be at least 1s, was PT0.2S");
    }

    @Test
    void aMissingFileOrIncludeIsReportedInWordsWithoutJavaExceptionNames() throws IOException {
        Path missing = dir.resolve("nope.conf");
        Path including = file("including.conf", """
                include required("sub/absent.conf")
                outbounds = [ { type = direct, tag = out } ]
                """);

        assertThat(run("check", "-c", missing.toString())).isEqualTo(ExitCodes.INVALID);
        assertThat(run("check", "-c", including.toString())).isEqualTo(ExitCodes.INVALID);

        assertThat(err.toString()).doesNotContain("java.io.").doesNotContain("classpath")
                .contains(missing + ": no such file")
                .contains("sub/absent.conf: include required(\"sub/absent.conf\") not found: no such file next to the "
                        + "file that includes it (" + dir.resolve("sub/absent.conf") + ")");
    }

    /**
     * A SOCKS or HTTP inbound without users on an address other hosts can reach is an open proxy, to the internet
     * through the outbound's server: check says so (it binds nothing), and so does the start (ProxyInboundTest).
     */
    @Test
    void checkWarnsOfAProxyInboundThatAnyoneWhoReachesItCanUse() throws IOException {
        Path config = file("open.conf", """
                inbounds = [
                  { type = mixed, tag = lan, listen = "0.0.0.0", listen_port = 1080 }
                  { type = socks, tag = v6, listen = "::", listen_port = 1081 }
                  { type = http, tag = guarded, listen = "0.0.0.0", listen_port = 1082,
                    users = [ { username = a, password = b } ] }
                  { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 1083 }
                  { type = mixed, tag = local6, listen = "::1", listen_port = 1084 }
                ]
                outbounds = [ { type = direct, tag = out } ]
                """);

        assertThat(run("check", "-c", config.toString())).as(err.toString()).isZero();

        assertThat(out.toString().lines().filter(line -> line.startsWith("  warning: ")).toList()).containsExactly(
                "  warning: inbound 'lan' (mixed) listens on 0.0.0.0:1080 without users: anyone who can reach that "
                        + "address can proxy through it (outbound 'out'); set users, or listen on 127.0.0.1",
                "  warning: inbound 'v6' (socks) listens on [::]:1081 without users: anyone who can reach that "
                        + "address can proxy through it (outbound 'out'); set users, or listen on 127.0.0.1");
    }

    @Test
    void checkReportsATypoWithFileLineKeyAndSuggestionAndExitsNonZero() throws IOException {
        Path config = file("client.conf", """
                outbounds = [ {
                  type = fake, tag = hk
                  sever = "127.0.0.1"
                  pool_policies = [ my_polcy ]
                } ]
                """);

        assertThat(run("check", "-c", config.toString())).isEqualTo(ExitCodes.INVALID);

        assertThat(err.toString())
                .contains(config + ":3: outbounds[0].sever: unknown key; did you mean 'server'?")
                .contains(config + ":4: outbounds[0].pool_policies: unknown policy 'my_polcy'; installed: [my_policy]");
    }

    @Test
    void checkReportsWhatAFactoryRejectsUnderTheBlocksPath() throws IOException {
        Path config = file("client.conf", """
                outbounds = [ { type = fake, tag = hk } ]
                """);

        assertThat(run("check", "-c", config.toString())).isEqualTo(ExitCodes.INVALID);

        assertThat(err.toString()).contains("outbounds[0]").contains("server");
    }

    @Test
    void clientAndServerRefuseAConfigurationWithoutWhatTheyServe() throws IOException {
        Path directOnly = file("direct.conf", "outbounds = [ { type = direct, tag = out } ]\n");

        assertThat(run("client", "-c", directOnly.toString())).isEqualTo(ExitCodes.INVALID);
        assertThat(run("server", "-c", directOnly.toString())).isEqualTo(ExitCodes.INVALID);
    }

    @Test
    void runRefusesAnInvalidConfigurationBeforeStartingAnything() throws IOException {
        Path typo = file("typo.conf", "outbounds = [ { type = direct, tag = out, conect_timeout = 1s } ]\n");

        assertThat(run("run", "-c", typo.toString())).isEqualTo(ExitCodes.INVALID);
    }

    @Test
    void runsAPluginToolWithItsArgumentsUnparsed() {
        assertThat(run("echo", "a", "-x", "--long", "b")).isZero();
        assertThat(out.toString()).isEqualTo("a -x --long b" + System.lineSeparator());

        assertThat(run("echo", "fail")).isEqualTo(1);
    }

    @Test
    void printsProductApiVersionAndTlsProvider() {
        assertThat(run("-V")).isZero();

        assertThat(out.toString())
                .contains("anytls4j " + ApiVersion.PRODUCT)
                .contains("API " + ApiVersion.API)
                .containsPattern("TLS provider: (OpenSSL \\(.+\\)|JDK)")
                .containsPattern("Direct buffers: allocated by (Netty, not zeroed|the JDK, zeroed)")
                .containsPattern("Transport: (epoll \\(native\\)|NIO \\(epoll not available: .+\\))");
    }

    @Test
    void listsPluginToolsInTheHelp() {
        assertThat(run("-h")).isZero();

        assertThat(out.toString()).contains("echo").contains("Prints its arguments.").contains("check");
    }

    @Test
    void rejectsAnUnknownLogLevelAndAMissingCommand() {
        assertThat(run("--log-level", "loud", "plugins")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("log level must be one of");

        assertThat(run()).isEqualTo(ExitCodes.INVALID);
    }

    @Test
    void failsWhenTwoPluginsContributeTheSameToolNamingBoth() {
        TestPluginJars.plugin("fake-copy").source("test.fake.FakePlugin", FAKE_PLUGIN).writeTo(plugins);

        assertThat(run("plugins")).isEqualTo(ExitCodes.FAILURE);

        assertThat(err.toString())
                .contains("transport 'fake' is contributed by both plugin 'fake-copy' and plugin 'fake-transport'")
                .contains("tool 'echo' is contributed by both plugin 'fake-copy' and plugin 'fake-transport'");
    }

    /** Every event that reaches the root logger's appenders while {@code action} runs (levels as configured). */
    private static List<ILoggingEvent> rootEvents(Runnable action) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
        try {
            action.run();
        } finally {
            root.detachAppender(appender);
        }
        return List.copyOf(appender.list);
    }

    @Test
    void checkLogsNothingBelowWarnUnlessALevelIsGivenAndRestoresTheLevelAfterwards() throws IOException {
        Path config = file("client.conf", """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0 } ]
                outbounds = [ { type = fake, tag = hk, server = "127.0.0.1" } ]
                """);
        String before = Logging.level();

        List<ILoggingEvent> quiet = rootEvents(() -> assertThat(run("check", "-c", config.toString())).isZero());
        List<ILoggingEvent> verbose = rootEvents(() -> assertThat(run("--log-level", "info", "check", "-c",
                config.toString())).isZero());

        assertThat(quiet).allMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(verbose).anyMatch(e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains("started"));
        assertThat(Logging.level()).isEqualTo(before);
    }

    @Test
    void dropsPf4jsEchoOfARefusedPluginButKeepsItsOtherWarnings() {
        TestPluginJars.policyPlugin("too-new", "future").requires(">=99.0.0").writeTo(plugins);

        List<ILoggingEvent> events = rootEvents(() -> assertThat(run("plugins")).isZero());

        assertThat(events).anyMatch(e -> e.getFormattedMessage().startsWith("plugin 'too-new@1.0.0' requires api"));
        assertThat(events).noneMatch(e -> e.getFormattedMessage().contains("is invalid and it will be disabled"));
        org.slf4j.Logger pf4j = LoggerFactory.getLogger(Logging.Pf4jRefusalEcho.LOGGER);
        assertThat(rootEvents(() -> pf4j.warn("Plugin '{}' cannot be loaded", "x")))
                .extracting(ILoggingEvent::getFormattedMessage).containsExactly("Plugin 'x' cannot be loaded");
    }

    @Test
    void aFileInThePluginsDirectoryThatIsNoPluginGetsOneWarningAndNoStackTrace() throws IOException {
        java.nio.file.Files.writeString(plugins.resolve("notes.jar"), "not a zip file");

        List<ILoggingEvent> events = rootEvents(() -> assertThat(run("plugins")).isZero());

        assertThat(events).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly(plugins.resolve("notes.jar") + ": not loaded, not a plugin: not a jar (zip END header "
                        + "not found)");
        assertThat(events).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
        assertThat(out.toString()).contains("pool-sample").contains("fake-transport");
    }

    @Test
    void generatesUrlSafePasswordsOf256Bits() {
        assertThat(run("generate", "password")).isZero();
        assertThat(run("generate", "password")).isZero();

        List<String> passwords = out.toString().lines().toList();
        assertThat(passwords).hasSize(2).doesNotHaveDuplicates()
                .allMatch(p -> p.matches("[A-Za-z0-9_-]{43}"));
        assertThat(Base64.getUrlDecoder().decode(passwords.get(0))).hasSize(32);
    }

    @Test
    void generateCertificateHandsItsOptionsToTheTransportsToolWhichTheHelpDoesNotListTwice() {
        assertThat(run("generate", "certificate", "--out-dir", "/srv/tls", "--name", "proxy.example.net"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("certificate tool: --out-dir /srv/tls --name proxy.example.net"
                + System.lineSeparator());

        out.getBuffer().setLength(0);
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("  echo").doesNotContain("  certificate");
    }

    @Test
    void generateCertificateWithoutTheTransportPluginSaysSo() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-plugins"));

        assertThat(Launcher.execute(new String[] {"--plugins-dir", empty.toString(), "generate", "certificate"},
                new PrintWriter(out, true), new PrintWriter(err, true))).isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).contains("generate certificate: the anytls transport plugin, which makes"
                + " certificates, is not installed in");
    }

    @Test
    void importHandsTheFileOrEntryToTheContributedImporterAndPrintsWhatItSays() throws IOException {
        Path yaml = file("config.yaml", "proxies: [hk]\n");

        assertThat(run("import", "mihomo", yaml.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("# from config.yaml\nconverted = \"proxies: [hk]\"\n");
        assertThat(err.toString().lines()).containsExactly("warning: " + yaml + ":1: a warning",
                "skipped 1 proxies that are not anytls: 'x' (ss)");

        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(run("import", "mihomo", "--proxy", "{name: hk}")).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("# from a mihomo proxy entry\nconverted = \"{name: hk}\"\n");
        assertThat(err.toString()).startsWith("warning: the --proxy entry:1: a warning");

        err.getBuffer().setLength(0);
        assertThat(run("import", "mihomo", "--proxy", "refuse")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).isEqualTo("error: the --proxy entry:1: refused" + System.lineSeparator());

        out.getBuffer().setLength(0);
        assertThat(run("import", "--help")).isZero();
        assertThat(out.toString()).contains("Installed importers:" + System.lineSeparator()
                + "  mihomo: Stands for the transport's mihomo importer.");

        err.getBuffer().setLength(0);
        Path missing = dir.resolve("missing.yaml");
        assertThat(run("import", "mihomo", missing.toString())).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).startsWith("error: " + missing + ": cannot read: ");
    }

    @Test
    void importWithoutTheTransportPluginSaysSo() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-plugins"));

        assertThat(Launcher.execute(new String[] {"--plugins-dir", empty.toString(), "import", "mihomo", "--proxy",
                "{name: hk, type: anytls}"}, new PrintWriter(out, true), new PrintWriter(err, true)))
                .isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).startsWith("error: import mihomo: the anytls transport plugin, which contributes"
                + " the 'mihomo' importer, is not installed in ");
        assertThat(out.toString()).isEmpty();

        assertThat(Launcher.execute(new String[] {"--plugins-dir", empty.toString(), "import", "--help"},
                new PrintWriter(out, true), new PrintWriter(err, true))).isZero();
        assertThat(out.toString()).contains("No importer is installed (the anytls transport plugin contributes"
                + " 'mihomo').");
    }

    @Test
    void clientAndServerTakeTheTransportsReferenceFlagsAndItsErrors() throws IOException {
        assertThat(runWith(Map.of("FAKE_ENV", "e1"), "client", "-s", "h", "--pin", "a", "--pin", "b", "-k"))
                .isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("fake client saw server=h pins=[a, b] k=true env=e1 my_policy=true");
        assertThat(run("client")).isEqualTo(ExitCodes.INVALID); // no -c: the flags are asked for
        assertThat(err.toString()).contains("fake client saw server=- pins=[] k=false env=- my_policy=true");
        assertThat(run("server", "-x", "1")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("fake server saw x=1");

        Path config = file("c.conf", "outbounds = [ { type = fake, tag = hk, server = \"127.0.0.1\" } ]\n");
        assertThat(run("client", "-c", config.toString(), "-s", "h")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("-c cannot be combined with the client's flags");
        assertThat(run("client", "-c", config.toString(), "-l", "127.0.0.1:1")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("-c cannot be combined with the client's flags");

        out.getBuffer().setLength(0);
        assertThat(run("client", "-h")).isZero();
        assertThat(out.toString()).contains("-s, --server=HOST").contains("Fake server.").contains("--pin=PIN")
                .contains("-k").contains("-l, --listen=IP:PORT");
    }

    @Test
    void withoutATransportThatHasReferenceFlagsTheCommandsAskForAFile() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("no-transport"));
        assertThat(Launcher.execute(new String[] {"--plugins-dir", empty.toString(), "client"},
                new PrintWriter(out, true), new PrintWriter(err, true))).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("no installed transport plugin offers the reference client's flags");
    }

    @Test
    void anEmptyPluginsDirectoryIsListedWithWhereThePluginsShouldBe() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-plugins"));
        assertThat(Launcher.execute(new String[] {"--plugins-dir", empty.toString(), "plugins"},
                new PrintWriter(out, true), new PrintWriter(err, true))).isZero();
        assertThat(err.toString()).contains("no plugin in deployment [" + empty + "]: the anytls transport and the"
                + " pool policies are plugin jars in the installation's plugins/ directory");
    }

    @Test
    void checkWithoutAFileSaysWhatToPass() {
        assertThat(run("check")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("check: no configuration file given; pass one with -c FILE, e.g. "
                + "anytls4j check -c conf/client.conf").doesNotContain("valid");
    }

    @Test
    void everyBuiltInCommandAnswersHelpWithExitCodeZero() {
        for (List<String> command : List.of(List.of("plugins"), List.of("check"), List.of("run"), List.of("client"),
                List.of("server"), List.of("generate"), List.of("generate", "password"),
                List.of("generate", "certificate"), List.of("help"))) {
            for (String help : List.of("--help", "-h")) {
                List<String> args = new java.util.ArrayList<>(command);
                args.add(help);
                out.getBuffer().setLength(0);
                assertThat(run(args.toArray(String[]::new))).as(args + ": " + err).isZero();
                assertThat(out.toString()).as(args.toString()).contains("Usage:");
            }
        }
    }

    @Test
    void aMissingPluginsDirectoryIsOneClearErrorAndPluginsExitsNonZero() throws IOException {
        Path missing = dir.resolve("no-such-dir");
        Path config = file("c.conf", "outbounds = [ { type = fake, tag = hk, server = \"h\" } ]\n");
        for (List<String> command : List.of(List.of("plugins"), List.of("check", "-c", config.toString()))) {
            err.getBuffer().setLength(0);
            String[] args = new String[command.size() + 2];
            args[0] = "--plugins-dir";
            args[1] = missing.toString();
            for (int i = 0; i < command.size(); i++) {
                args[i + 2] = command.get(i);
            }
            assertThat(Launcher.execute(args, new PrintWriter(out, true), new PrintWriter(err, true)))
                    .as(command.toString()).isEqualTo(ExitCodes.FAILURE);
            assertThat(err.toString()).as(command.toString())
                    .startsWith("plugins directory " + missing.toAbsolutePath() + " does not exist, so the "
                            + "transport (anytls) and the pool policies are not installed. The launcher looks in "
                            + "--plugins-dir DIR, else -Dpf4j.pluginsDir, else $ANYTLS4J_HOME/plugins")
                    .doesNotContain("unknown type");
        }
        // What needs no plugin still works.
        assertThat(Launcher.execute(new String[] {"--plugins-dir", missing.toString(), "generate", "password"},
                new PrintWriter(out, true), new PrintWriter(err, true))).isZero();
    }

    @Test
    void globalOptionsAreReadFromAnywhereInEitherFormWithoutPicocli() {
        Launcher.GlobalOptions spaced = Launcher.GlobalOptions.parse(
                new String[] {"--plugins-dir", "/opt/p", "client", "-c", "x.conf", "--log-level", "debug"});
        assertThat(spaced.pluginsDir).isEqualTo(Path.of("/opt/p"));
        assertThat(spaced.logLevel).isEqualTo("debug");
        assertThat(spaced.rest).containsExactly("client", "-c", "x.conf");
        assertThat(spaced.command()).isEqualTo("client");

        Launcher.GlobalOptions joined = Launcher.GlobalOptions.parse(
                new String[] {"check", "--log-level=warn", "--plugins-dir=/p", "-h"});
        assertThat(joined.logLevel).isEqualTo("warn");
        assertThat(joined.pluginsDir).isEqualTo(Path.of("/p"));
        assertThat(joined.rest).containsExactly("check", "-h");
        assertThat(joined.asksForHelp()).isTrue();

        Launcher.GlobalOptions missing = Launcher.GlobalOptions.parse(new String[] {"run", "--log-level"});
        assertThat(missing.logLevel).isNull();
        assertThat(missing.rest).containsExactly("run");
        assertThat(Launcher.GlobalOptions.parse(new String[0]).command()).isEmpty();
    }

    @Test
    void aCommandThatRunsTheHostGetsItsOwnModelAloneAndEverythingElseGetsThemAll() {
        assertThat(Launcher.GlobalOptions.parse(new String[] {"client", "-c", "x"}).commandBuiltAlone())
                .contains("client");
        assertThat(Launcher.GlobalOptions.parse(new String[] {"--log-level", "info", "check"}).commandBuiltAlone())
                .contains("check");
        assertThat(Launcher.GlobalOptions.parse(new String[] {"server", "--help"}).commandBuiltAlone()).isEmpty();
        assertThat(Launcher.GlobalOptions.parse(new String[] {"plugins"}).commandBuiltAlone()).isEmpty();
        assertThat(Launcher.GlobalOptions.parse(new String[] {"clinet"}).commandBuiltAlone()).isEmpty();

        // the one model still parses the global options and reports its own errors
        assertThat(run("--log-level", "warn", "check")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("check: no configuration file given");
        assertThat(run("client", "--no-such-option")).isEqualTo(ExitCodes.INVALID);
        assertThat(err.toString()).contains("Unknown option: '--no-such-option'");
    }
}
