package org.anytls4j.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.core.plugin.InstalledPlugin;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.plugin.PluginStatus;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidatorTest {
    /** What a transport plugin declares, as the real anytls one does (key = null: known, no default). */
    private static final String TRANSPORT_REFERENCE = """
            anytls4j.transport.sample {
              server = null
              server_port = 443
              password = null
              tls { enabled = true, server_name = null, insecure = false, alpn = [] }
            }
            anytls4j.pool-policy.min_idle { min_idle_session = 0 }
            anytls4j.session-monitor.heartbeat { heartbeat = 0s }
            plugins.transport-sample { sample_buffer = 16 }
            """;

    @TempDir
    Path dir;

    private final PluginContributions contributions = contributions();

    static PluginContributions contributions() {
        TransportFactory transport = new TransportFactory() {
            @Override
            public String type() {
                return "sample";
            }

            @Override
            public org.anytls4j.api.outbound.SessionConnector create(Config settings,
                    org.anytls4j.api.outbound.TransportContext context) {
                throw new UnsupportedOperationException("validation never creates");
            }
        };
        PoolPolicyFactory minIdle = new PoolPolicyFactory() {
            @Override
            public String name() {
                return "min_idle";
            }

            @Override
            public org.anytls4j.api.pool.PoolPolicy create(Config settings,
                    org.anytls4j.api.pool.PolicyContext context) {
                return (pool, now) -> Decision.nothing();
            }
        };
        SessionMonitorFactory heartbeat = new SessionMonitorFactory() {
            @Override
            public String name() {
                return "heartbeat";
            }

            @Override
            public org.anytls4j.api.monitor.SessionMonitor create(Config settings,
                    org.anytls4j.api.pool.PolicyContext context) {
                return session -> { };
            }
        };
        AnytlsPlugin plugin = new AnytlsPlugin() {
            @Override
            public List<TransportFactory> transports() {
                return List.of(transport);
            }

            @Override
            public List<PoolPolicyFactory> poolPolicies() {
                return List.of(minIdle);
            }

            @Override
            public List<SessionMonitorFactory> sessionMonitors() {
                return List.of(heartbeat);
            }
        };
        ClassLoader loader = ConfigValidatorTest.class.getClassLoader();
        return PluginContributions.of(List.of(
                new InstalledPlugin("core", "0.1.0", "", PluginStatus.STARTED, "", loader,
                        ConfigFactory.parseResources(loader, "reference.conf"), List.of(new BuiltinContributions())),
                new InstalledPlugin("transport-sample", "1.0.0", "", PluginStatus.STARTED, "", loader,
                        ConfigFactory.parseString(TRANSPORT_REFERENCE), List.of(plugin))));
    }

    private Path file(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    private ValidatedConfig validate(Path file) {
        return new ConfigValidator(contributions).validate(
                ConfigLoader.load(Optional.of(file), contributions.reference()));
    }

    private List<String> problems(Path file) {
        try {
            validate(file);
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected " + file + " to be invalid");
    }

    @Test
    void reportsATypoWithFileLineFullKeyAndTheNearestValidKey() throws IOException {
        Path file = file("client.conf", """
                outbounds = [ {
                  type = sample, tag = hk, server = "hk.example.net", password = s3cret-pw
                  min_idle_sesion = 2
                } ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":3: outbounds[0].min_idle_sesion: unknown key; did you mean 'min_idle_session'?");
    }

    @Test
    void checksNestedObjectsRecursively() throws IOException {
        Path file = file("client.conf", """
                outbounds = [ {
                  type = sample, tag = hk, server = "hk.example.net"
                  tls { enabled = true, server_nme = "hk.example.net" }
                } ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":3: outbounds[0].tls.server_nme: unknown key; did you mean 'server_name'?");
    }

    @Test
    void reportsEveryProblemAtOnceWithTheKindOfValueExpected() throws IOException {
        Path file = file("client.conf", """
                log { level = loud }
                outbounds = [ {
                  type = sample, tag = hk
                  server_port = "four-four-three"
                  idle_session_timeout = soon
                  tls = true
                }, {
                  type = samples, tag = other
                } ]
                """);

        assertThat(problems(file)).containsExactlyInAnyOrder(
                file + ":1: log.level: must be one of [trace, debug, info, warn, error, off], was 'loud'",
                file + ":4: outbounds[0].server_port: must be a number, was 'four-four-three'",
                file + ":5: outbounds[0].idle_session_timeout: must be a duration with a unit, such as 30s, 5m or 1m30s, "
                        + "was 'soon'",
                file + ":6: outbounds[0].tls: must be an object, was boolean",
                file + ":8: outbounds[1].type: unknown type 'samples'; installed: [direct, sample] (a type comes from"
                        + " a plugin: `anytls4j plugins` shows the plugins directory and what it holds)");
    }

    @Test
    void checksTheKeysOfEachListItemAReferenceDeclaresWithSuggestions() throws IOException {
        Path file = file("client.conf", """
                inbounds = [ {
                  type = mixed, tag = in
                  users = [
                    { username = alice, password = "Jq7dM2vXw9" }
                    { username = bob, pasword = "Jq7dM2vXw8", "users[]" = x }
                  ]
                } ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":5: inbounds[0].users[1].pasword: unknown key; did you mean 'password'?",
                file + ":5: inbounds[0].users[1].users[]: unknown key; valid keys: [password, username]");
    }

    @Test
    void rejectsAPolicyNameNoInstalledPluginHasListingTheInstalledOnes() throws IOException {
        Path file = file("client.conf", """
                outbounds = [ {
                  type = sample, tag = hk, server = "hk.example.net"
                  pool_policies = [ heartbeat, "min-idle" ]
                } ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":3: outbounds[0].pool_policies: unknown policy 'min-idle'; installed: [heartbeat, min_idle]");
    }

    @Test
    void loadsASingBoxJsonOutboundUnchangedAndAppliesEveryDefault() throws IOException {
        Path file = file("client.json", """
                {
                  "log": { "level": "debug" },
                  "outbounds": [
                    {
                      "type": "sample",
                      "tag": "anytls-out",
                      "server": "127.0.0.1",
                      "server_port": 8443,
                      "password": "8JCsPssfgS8tiRwiMlhARg==",
                      "idle_session_check_interval": "30s",
                      "idle_session_timeout": "5m",
                      "min_idle_session": 2,
                      "heartbeat": "30s",
                      "tls": { "enabled": true, "server_name": "example.com", "insecure": true }
                    }
                  ]
                }
                """);

        ValidatedConfig config = validate(file);

        assertThat(config.logLevel()).isEqualTo("debug");
        BlockSpec outbound = config.outbounds().get(0);
        assertThat(outbound.path()).isEqualTo("outbounds[0]");
        assertThat(outbound.tag()).isEqualTo("anytls-out");
        assertThat(outbound.settings().getDuration("idle_session_timeout")).hasMinutes(5);
        assertThat(outbound.settings().getInt("max_streams_per_session")).as("pool default").isEqualTo(1);
        assertThat(outbound.settings().getBoolean("tls.insecure")).isTrue();
        assertThat(outbound.settings().getString("tls.server_name")).isEqualTo("example.com");
    }

    @Test
    void suggestsTheTopLevelKeyForATypo() throws IOException {
        Path file = file("client.conf", "outbound = []\n");

        assertThat(problems(file)).containsExactly(
                file + ":1: outbound: unknown key; did you mean 'outbounds'?");
    }

    @Test
    void checksPluginBlocksAgainstThatPluginsDefaults() throws IOException {
        Path file = file("client.conf", """
                plugins {
                  transport-sample { sample_bufer = 32 }
                  not-installed { x = 1 }
                }
                """);

        assertThat(problems(file)).containsExactly(
                file + ":2: plugins.transport-sample.sample_bufer: unknown key; did you mean 'sample_buffer'?",
                file + ":3: plugins.not-installed: unknown plugin 'not-installed'; installed: [core, "
                        + "transport-sample]");
    }

    @Test
    void requiresTypeAndUniqueTags() throws IOException {
        Path file = file("client.conf", """
                outbounds = [
                  { tag = a },
                  { type = direct, tag = b },
                  { type = direct, tag = b }
                ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":2: outbounds[0].type: missing; every item needs a type",
                file + ":4: outbounds[2].tag: tag 'b' is already used by outbounds[1]");
    }

    @Test
    void keepsAValueWhenAnOptionalEnvironmentOverrideIsUnset() throws IOException {
        Path file = file("client.conf", """
                outbounds = [ {
                  type = sample, tag = hk, server = "hk.example.net"
                  password = "from-file"
                  password = ${?ANYTLS4J_TEST_SURELY_UNSET_VARIABLE}
                } ]
                """);

        assertThat(validate(file).outbounds().get(0).settings().getString("password")).isEqualTo("from-file");
    }

    @Test
    void reportsAMissingFileAndASyntaxErrorWithTheirLocation() throws IOException {
        assertThat(problems(dir.resolve("absent.conf"))).singleElement().asString().contains("absent.conf");
        Path broken = file("broken.conf", "outbounds = [ {\n  type = \n");
        assertThat(problems(broken)).singleElement().asString().startsWith(broken + ":");
    }

    @Test
    void acceptsOneStringWhereAListIsDeclaredAsSingBoxDoesButNotANumberOrAnObject() throws IOException {
        Path single = file("single.conf", """
                outbounds = [ { type = sample, tag = hk, server = "h", password = p, tls { alpn = "h2" } } ]
                """);
        Path number = file("number.conf", """
                outbounds = [ { type = sample, tag = hk, server = "h", password = p, tls { alpn = 2 } } ]
                """);

        assertThat(validate(single).outbounds().get(0).settings().getString("tls.alpn")).isEqualTo("h2");
        assertThat(problems(number)).singleElement().asString()
                .endsWith("outbounds[0].tls.alpn: must be a list, was number");
    }

    @Test
    void refusesABareNumberForADurationShowingBothReadingsButAcceptsZero() throws IOException {
        Path file = file("client.conf", """
                outbounds = [ {
                  type = sample, tag = hk, server = "h", password = p
                  heartbeat = 30
                  idle_session_timeout = "3600"
                  idle_session_check_interval = 0
                } ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":3: outbounds[0].heartbeat: must be a duration with a unit, was the bare number 30 (it would"
                        + " be read as 30 milliseconds); write 30s for seconds or 30ms for milliseconds",
                file + ":4: outbounds[0].idle_session_timeout: must be a duration with a unit, was the bare number"
                        + " 3600 (it would be read as 3600 milliseconds); write 3600s for seconds or 3600ms for"
                        + " milliseconds");
    }

    @Test
    void acceptsEveryGoDurationAndHandsThePluginAReadableValue() throws IOException {
        Path file = file("client.json", """
                {
                  "outbounds": [ {
                    "type": "sample", "tag": "hk", "server": "h", "password": "p",
                    "heartbeat": "1m30s", "idle_session_timeout": "5m0s", "idle_session_check_interval": "1.5h"
                  } ],
                  "admin": { }
                }
                """);

        Config settings = validate(file).outbounds().get(0).settings();

        assertThat(settings.getDuration("heartbeat")).hasSeconds(90);
        assertThat(settings.getDuration("idle_session_timeout")).hasMinutes(5);
        assertThat(settings.getDuration("idle_session_check_interval")).hasMinutes(90);
        assertThat(settings.getValue("heartbeat").origin().lineNumber()).as("origin kept for later messages")
                .isEqualTo(4);
    }

    @Test
    void refusesAFractionWhereAnIntegerIsDeclared() throws IOException {
        Path file = file("client.conf", """
                outbounds = [ { type = sample, tag = hk, server = "h", password = p, min_idle_session = 2.5 } ]
                """);

        assertThat(problems(file)).containsExactly(
                file + ":1: outbounds[0].min_idle_session: must be an integer, was number");
    }

    @Test
    void readsJsonWithCommentsAndNamesTheParserWhenAFileDoesNotParse() throws IOException {
        Path commented = file("client.json", """
                {
                  // the guide's snippets carry comments
                  "outbounds": [ { "type": "sample", "tag": "hk", "server": "h", "password": "p" } ] # and this
                }
                """);
        Path broken = file("broken.json", "{ \"outbounds\": [ }\n");

        assertThat(validate(commented).outbounds()).hasSize(1);
        assertThat(problems(broken)).singleElement().asString()
                .startsWith(broken + ":1: ")
                .endsWith("(parsed as HOCON, which reads JSON with or without comments)");
    }

    @Test
    void refusesAYamlFileWithAPointerInsteadOfAParseError() throws IOException {
        Path yaml = file("config.yaml", "proxies:\n  - name: a\n    type: anytls\n");

        assertThat(problems(yaml)).singleElement().asString()
                .startsWith(yaml + ": a YAML file (mihomo/Clash) is not a configuration anytls4j reads")
                .endsWith("or convert its anytls proxies with `anytls4j import mihomo " + yaml + "`");
    }

    @Test
    void warnsAboutSingBoxKeysItDoesNotImplementAndStillRefusesTypos() throws IOException {
        Path file = file("sing-box.json", """
                {
                  "log": { "level": "info", "timestamp": true },
                  "route": { "final": "anytls-out" },
                  "experimental": { "cache_file": { "enabled": true } },
                  "outbounds": [ {
                    "type": "sample", "tag": "anytls-out", "server": "h", "password": "p",
                    "detour": "direct", "tls": { "enabled": true, "utls": { "enabled": true } }
                  } ]
                }
                """);
        Path typo = file("typo.json", """
                { "outbounds": [ { "type": "sample", "tag": "a", "server": "h", "detuor": "direct" } ] }
                """);

        ValidatedConfig config = validate(file);

        assertThat(config.warnings()).extracting(ConfigProblem::toString).containsExactly(
                file + ":3: route: sing-box key ignored: anytls4j has no router: each inbound sends every stream to"
                        + " its `outbound` (default: the first outbound)",
                file + ":4: experimental: sing-box key ignored: metrics and health are served by the `admin` block",
                file + ":7: outbounds[0].detour: sing-box key ignored: connections to the server go out directly",
                file + ":7: outbounds[0].tls.utls: sing-box key ignored: the TLS fingerprint is BoringSSL's or the"
                        + " JDK's, not a browser's");
        assertThat(problems(typo)).singleElement().asString().contains("outbounds[0].detuor: unknown key");
    }

    @Test
    void makesSingBoxKeysErrorsWhenAsked() throws IOException {
        Path file = file("strict.conf", """
                validation { sing_box_keys = error }
                dns { servers = [] }
                """);

        assertThat(problems(file)).containsExactly(file + ":2: dns: sing-box key ignored: host names are resolved by"
                + " the AnyTLS server (socks5h, HTTP) or by the system resolver (direct)"
                + " (validation.sing_box_keys = error)");
    }

    @Test
    void checksLoggerLevelsByNameAndTheLogFilesDirectory() throws IOException {
        Path good = file("good.conf", """
                log { levels { "org.anytls4j.pool" = debug, "io.netty" = WARN }, output = "%s", timestamp = false }
                """.formatted(dir.resolve("anytls4j.log")));
        Path bad = file("bad.conf", """
                log { levels { "io.netty" = loud }, output = "%s" }
                """.formatted(dir.resolve("absent/anytls4j.log")));

        assertThat(validate(good).full().getString("log.levels.\"org.anytls4j.pool\"")).isEqualTo("debug");
        assertThat(problems(bad)).containsExactly(
                bad + ":1: log.levels.\"io.netty\": must be one of [trace, debug, info, warn, error, off], was 'loud'",
                bad + ":1: log.output: directory " + dir.resolve("absent") + " does not exist");
    }
}
