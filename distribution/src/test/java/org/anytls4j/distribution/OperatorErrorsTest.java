package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator reads when a file is wrong, with the real plugins: errors point at the operator's file (never
 * inside a plugin jar), placeholder passwords are refused, the shipped server.conf does not run without a password
 * from the environment, and every command and plugin tool answers --help.
 */
@Timeout(120)
class OperatorErrorsTest {
    private static final String HOW = "make one with `anytls4j generate password`";

    @TempDir
    Path dir;

    @Test
    void theShippedServerConfDoesNotRunWithoutAPasswordFromTheEnvironment() throws IOException {
        Path conf = Distribution.home().resolve("conf/server.conf");
        List<String> lines = Files.readAllLines(conf);
        int item = 0;
        for (int i = 0; i < lines.size() && item == 0; i++) {
            if (lines.get(i).trim().startsWith("users = [")) {
                for (int j = i + 1; j < lines.size() && item == 0; j++) {
                    if (lines.get(j).trim().equals("{")) {
                        item = j + 1;
                    }
                }
            }
        }
        assertThat(item).as("conf/server.conf has a users item").isPositive();
        assertThat(lines).noneMatch(line -> line.strip().startsWith("password = \"")); // no literal password

        Distribution.Result result = Distribution.script("", "check", "-c", conf.toString()); // no ANYTLS4J_PASSWORD

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(2);
        assertThat(result.err()).contains(conf + ":" + item + ": inbounds[0].users[0].password: is required; " + HOW);
    }

    @Test
    void aMissingRequiredKeyIsReportedAtTheOperatorsBlockNotInsideThePluginJar() throws IOException {
        Path file = Files.writeString(dir.resolve("client.conf"), """
                log { level = warn }
                outbounds = [
                  {
                    type = anytls, tag = proxy
                    tls { insecure = true }
                  }
                ]
                """);

        Distribution.Result result = Distribution.launch(Distribution.plugins(), "check", "-c", file.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(file + ":3: outbounds[0].server: is required")
                .doesNotContain("jar:").doesNotContain("Exception");
    }

    @Test
    void everyBadValueOfABlockIsReportedNotOnlyTheFirstTheFactoriesRefuse() throws IOException {
        Path file = Files.writeString(dir.resolve("client.conf"), """
                outbounds = [
                  {
                    type = anytls, tag = proxy, server = "127.0.0.1", server_port = 8443
                    password = "Jq7dM2vXw9PzL4kR", tls { insecure = true }
                    first_stream_wait = 31s
                    min_idle_session = -1
                    heartbeat = 10s
                    heartbeat_timeout = 20s
                  }
                ]
                """);

        Distribution.Result result = Distribution.launch(Distribution.plugins(), "check", "-c", file.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(2);
        assertThat(result.err())
                .contains(file + ":5: outbounds[0].first_stream_wait: must be at most 30s, was 31s")
                .contains(file + ":6: outbounds[0].min_idle_session: must be >= 0, was -1")
                .contains(file + ":8: outbounds[0].heartbeat_timeout: must be <= heartbeat (10s), was 20s");
    }

    @Test
    void placeholderAndEmptyPasswordsAreRefusedAtTheirLineAndUnknownUserKeysGetASuggestion() throws IOException {
        Path server = Files.writeString(dir.resolve("server.conf"), """
                inbounds = [ {
                  type = anytls, tag = in, listen = "127.0.0.1", listen_port = 0
                  users = [
                    { name = a, password = "change-me" }
                    { name = b, pasword = "Jq7dM2vXw9PzL4kR" }
                  ]
                } ]
                """);
        Path client = Files.writeString(dir.resolve("client.conf"), """
                outbounds = [ {
                  type = anytls, tag = proxy, server = "proxy.example.net"
                  password = ""
                } ]
                """);

        Distribution.Result refused = Distribution.launch(Distribution.plugins(), "check", "-c", server.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains(server + ":5: inbounds[0].users[1].pasword: unknown key; did you mean "
                + "'password'?");

        Path fixed = Files.writeString(dir.resolve("server2.conf"),
                Files.readString(server).replace("pasword", "password"));
        Distribution.Result placeholder = Distribution.launch(Distribution.plugins(), "check", "-c",
                fixed.toString());
        assertThat(placeholder.exitCode()).isEqualTo(2);
        assertThat(placeholder.err()).contains(fixed + ":4: inbounds[0].users[0].password: is a well-known "
                + "placeholder that anyone can guess; " + HOW).doesNotContain("change-me\"");

        Distribution.Result empty = Distribution.launch(Distribution.plugins(), "check", "-c", client.toString());
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains(client + ":3: outbounds[0].password: must not be empty; " + HOW);
    }

    @Test
    void everyCommandAndPluginToolAnswersHelpWithExitCodeZero() {
        List<List<String>> commands = new ArrayList<>(List.of(List.of("plugins"), List.of("check"), List.of("run"),
                List.of("client"), List.of("server"), List.of("generate"), List.of("generate", "password"),
                List.of("generate", "certificate"), List.of("help")));
        Distribution.Result top = Distribution.launch(Distribution.plugins(), "--help");
        assertThat(top.exitCode()).isZero();
        List<String> tools = List.of("padding", "uri");
        assertThat(top.out()).contains(tools);
        tools.forEach(tool -> commands.add(List.of(tool)));
        commands.add(List.of("uri", "import"));
        commands.add(List.of("padding", "simulate"));
        for (List<String> command : commands) {
            for (String help : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(command);
                args.add(help);
                Distribution.Result result = Distribution.launch(Distribution.plugins(), args.toArray(String[]::new));
                assertThat(result.exitCode()).as(args + ": " + result.err()).isZero();
                assertThat(result.out()).as(args.toString()).isNotBlank();
            }
        }
    }
}
