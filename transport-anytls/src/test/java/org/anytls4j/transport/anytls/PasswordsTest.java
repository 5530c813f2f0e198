package org.anytls4j.transport.anytls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.transport.anytls.client.ClientSettings;
import org.anytls4j.transport.anytls.server.AnytlsInboundSettings;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.junit.jupiter.api.Test;

/**
 * Passwords on both sides: an empty one and well-known placeholders are refused with the key and how to make one;
 * a short one is accepted with a warning naming the key; the password never appears in a message.
 */
class PasswordsTest {
    private static final String HOW = "make one with `anytls4j generate password`";

    @Test
    void theServerRefusesAnEmptyOrPlaceholderPasswordNamingTheUsersKey() {
        assertServerRefuses("users = [ { name = a, password = \"\" } ]", "users[0].password",
                "must not be empty; " + HOW);
        assertServerRefuses("users = [ { name = a, password = \"s3cr3t-strong-1\" }, { password = \"Change-Me\" } ]",
                "users[1].password", "is a well-known placeholder that anyone can guess; " + HOW);
        for (String placeholder : List.of("change-me", "changeme", "PASSWORD", "secret", "123456", "your-password")) {
            assertServerRefuses("users = [ { password = \"" + placeholder + "\" } ]", "users[0].password",
                    "is a well-known placeholder that anyone can guess; " + HOW);
        }
        assertServerRefuses("users = [ { name = a } ]", "users[0].password", "is required; " + HOW);
    }

    @Test
    void theClientRefusesAnEmptyOrPlaceholderPassword() {
        assertClientRefuses("server = h.example, password = \"\"", "password", "must not be empty; " + HOW);
        assertClientRefuses("server = h.example, password = changeme", "password",
                "is a well-known placeholder that anyone can guess; " + HOW);
        assertClientRefuses("server = h.example", "password", "is required; " + HOW);
    }

    @Test
    void aShortPasswordIsAcceptedWithAWarningThatDoesNotShowIt() {
        List<String> warnings = new ArrayList<>();
        AnytlsInboundSettings.parse(ServerHarness.block("users = [ { password = \"Xk3\" } ]"), warnings::add);
        ClientSettings.parse(TestContext.outboundBlock("server = h.example, password = \"Xk3\""), warnings::add);

        assertThat(warnings).containsExactly(
                "users[0].password: shorter than 8 characters, easy to guess; use one with `anytls4j generate "
                        + "password` for a strong one",
                "password: shorter than 8 characters, easy to guess; use one with `anytls4j generate password` for"
                        + " a strong one");
        warnings.clear();
        ClientSettings.parse(TestContext.outboundBlock("server = h.example, password = \"8JCsPssfgS8t\""),
                warnings::add);
        assertThat(warnings).isEmpty();
    }

    private static void assertServerRefuses(String hocon, String key, String problem) {
        assertThatThrownBy(() -> ServerHarness.settings(hocon)).as(hocon)
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.problem()).isEqualTo(problem);
                });
    }

    private static void assertClientRefuses(String hocon, String key, String problem) {
        assertThatThrownBy(() -> ClientSettings.parse(TestContext.outboundBlock(hocon))).as(hocon)
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.problem()).isEqualTo(problem);
                });
    }
}
