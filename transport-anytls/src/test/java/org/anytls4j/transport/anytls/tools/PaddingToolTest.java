package org.anytls4j.transport.anytls.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code padding simulate} tool. */
class PaddingToolTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return new PaddingTool().run(List.of(args), new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void simulatesTheCapturedDeterministicScheme(@TempDir Path dir) throws Exception {
        Path scheme = dir.resolve("scheme.txt");
        Files.writeString(scheme, "stop=5\n0=20-20\n1=120-120\n2=200-200,c,300-300,c,400-400\n3=50-50,60-60\n4=10-10");

        assertThat(run("simulate", "--scheme", scheme.toString(), "--writes", "97,96,7,14,90")).isZero();

        // the record sizes of session 2 in client_script_update_padding.json
        assertThat(out.toString()).isEqualTo(String.join("\n",
                "scheme md5=6e9289329e89a7b8e9e8a4538e53e13d stop=5 seed=none",
                "packet 0: preamble 54 -> records [54]",
                "packet 1: write 97 -> records [120]",
                "packet 2: write 96 -> records [200]",
                "packet 3: write 7 -> records [50, 67]",
                "packet 4: write 14 -> records [10, 4]",
                "unshaped: write 90 -> records [90]", ""));
    }

    @Test
    void aSeedReproducesTheSizes() {
        assertThat(run("simulate", "--seed", "7", "--writes", "106,524,7,3000")).isZero();
        String first = out.toString();
        out.getBuffer().setLength(0);
        assertThat(run("simulate", "--seed", "7", "--writes", "106,524,7,3000")).isZero();

        assertThat(out.toString()).isEqualTo(first);
        assertThat(PaddingTool.simulate(PaddingScheme.DEFAULT, new Random(7), List.of(106, 524, 7, 3000)))
                .containsExactlyElementsOf(first.lines().skip(1).toList());
        assertThat(first).contains("packet 0: preamble 64 -> records [64]");
    }

    @Test
    void badArgumentsAreReported() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("simulate", "--writes")).isEqualTo(2);
        assertThat(run("simulate", "--writes", "1,x")).isEqualTo(1);
        assertThat(run("simulate", "--scheme", "/nonexistent")).isEqualTo(1);
        assertThat(err.toString()).contains("usage: padding simulate").contains("--writes takes sizes");
    }

    @Test
    void anInvalidSchemeFileIsRejected(@TempDir Path dir) throws Exception {
        Path scheme = dir.resolve("scheme.txt");
        Files.writeString(scheme, "stop=8\r\n1=100-200\r\n");

        assertThat(run("simulate", "--scheme", scheme.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("not a valid padding scheme");
    }
}
