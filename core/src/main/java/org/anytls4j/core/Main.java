package org.anytls4j.core;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.anytls4j.core.cli.Launcher;
import org.anytls4j.core.runtime.FatalErrors;
import org.anytls4j.core.runtime.NettyErrorWatch;

/**
 * The {@code anytls4j} process entry point ({@code bin/anytls4j} runs it): runs one command through the
 * {@link Launcher} and exits with its code.
 *
 * <p>Before anything else it makes every {@link Error} fatal for the process ({@link FatalErrors}: log at ERROR,
 * halt with {@link org.anytls4j.core.cli.ExitCodes#FATAL}): as the default uncaught-exception handler of every
 * thread, and for the Errors Netty catches and logs ({@link NettyErrorWatch}). Only here: in-JVM callers of the
 * launcher (tests) keep their own handlers.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        FatalErrors.armProcessHalt();
        Thread.setDefaultUncaughtExceptionHandler(FatalErrors.process());
        NettyErrorWatch.install(FatalErrors.process());
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = Launcher.execute(args, out, err);
        System.exit(code);
    }
}
