package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.core.plugin.TestPluginJars;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LauncherTest {
    /** A transport that never connects (check never connects) and a tool that echoes its arguments. */
    static final String FAKE_PLUGIN = """
            package test.fake;

            import com.typesafe.config.Config;
            import java.io.PrintWriter;
            import java.util.List;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import java.util.function.LongSupplier;
            import org.anytls4j.api.AnytlsPlugin;
            import org.anytls4j.api.Tool;
            import org.anytls4j.api.outbound.Session;
            import org.anytls4j.api.outbound.SessionConnector;
            import org.anytls4j.api.outbound.TransportContext;
            import org.anytls4j.api.outbound.TransportFactory;

            @org.pf4j.Extension
            public class FakePlugin implements AnytlsPlugin {
                @Override
                public List<TransportFactory> transports() {
                    return List.of(new TransportFactory() {
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

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void listsEveryPluginWithVersionStateAndContributions() {
        assertThat(run("plugins")).isZero();

        assertThat(out.toString())
                .containsPattern("core@" + ApiVersion.PRODUCT + " +started ")
                .containsPattern("fake-transport@1.0.0 +started +transport \\[fake\\], tool \\[echo\\]")
                .containsPattern("pool-sample@1.0.0 +started +pool-policy \\[my_policy\\]");
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
                .containsPattern("TLS provider: (OpenSSL \\(.+\\)|JDK)");
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
}
