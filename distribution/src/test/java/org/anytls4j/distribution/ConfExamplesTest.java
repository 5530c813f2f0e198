package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example under conf/ (and its subdirectories) must pass {@code anytls4j check} with the plugins of the build. */
@Timeout(120)
class ConfExamplesTest {
    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.walk(Distribution.home().resolve("conf"))) {
            List<Path> examples = files.filter(Files::isRegularFile).sorted().toList();
            assertThat(examples).as("conf/ holds example configurations").isNotEmpty();
            return examples.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleChecksClean(Path example) {
        Distribution.Result result = Distribution.launch(Distribution.plugins(), "check", "-c", example.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains(example + ": valid");
    }

    @Test
    void checkNamesFileLineKeyAndSuggestionForATypoAndExitsNonZero(@TempDir Path dir) throws IOException {
        List<String> lines = Files.readAllLines(Distribution.home().resolve("conf/client.conf"));
        int line = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("min_idle_session")) {
                lines.set(i, lines.get(i).replace("min_idle_session", "min_idle_sesion"));
                line = i + 1;
            }
        }
        assertThat(line).as("conf/client.conf sets min_idle_session").isPositive();
        Path typo = Files.write(dir.resolve("client.conf"), lines);

        Distribution.Result result = Distribution.launch(Distribution.plugins(), "check", "-c", typo.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(typo + ":" + line
                + ": outbounds[0].min_idle_sesion: unknown key; did you mean 'min_idle_session'?");
    }
}
