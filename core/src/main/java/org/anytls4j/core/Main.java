package org.anytls4j.core;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.anytls4j.core.cli.Launcher;

/**
 * The {@code anytls4j} process entry point ({@code bin/anytls4j} runs it): runs one command through the
 * {@link Launcher} and exits with its code.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = Launcher.execute(args, out, err);
        System.exit(code);
    }
}
