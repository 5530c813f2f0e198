package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.anytls4j.core.cli.Launcher;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PF4J development mode loads the reactor's plugin modules from their target/classes, without any jar. */
@Timeout(60)
class DevelopmentModeTest {
    @Test
    void loadsThePluginModulesOfTheSourceTree() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Launcher.execute(new String[] {"plugins"}, new PrintWriter(out, true), new PrintWriter(err, true),
                new BuiltinContributions(), Map.of("pf4j.mode", "development",
                        "pf4j.pluginsDir", Distribution.sourceRoot().toString()));

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("development [" + Distribution.sourceRoot() + "]")
                .containsPattern("transport-anytls@0\\.1\\.0 +started +transport \\[anytls\\]")
                .containsPattern("pool-min-idle@0\\.1\\.0 +started +pool-policy \\[min_idle\\]");
    }
}
