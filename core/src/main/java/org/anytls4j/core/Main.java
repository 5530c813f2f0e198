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
 *
 * <p>It also sets the process-wide defaults of {@link #processDefaults}, which must be in place before Netty's
 * first class initialises; then it starts the {@link org.anytls4j.core.cli.StartupWarmup} (with those defaults in
 * place, before logging is initialised).
 */
public final class Main {
    private Main() {
    }

    /**
     * Netty's flight-recorder events (buffer and chunk allocations) are off unless {@code -Dio.netty.jfr.enabled=true}
     * asks for them: Netty registers them with JFR as its first buffer is allocated, which loads and initialises
     * the recorder's ~100 classes and generates an event handler per event type, 0.1-0.2 s of every start for
     * events nobody records unless a recording runs (issue 12).
     */
    static final String NETTY_JFR = "io.netty.jfr.enabled";

    /**
     * Netty's buffers come from its pooled allocator with at most two direct arenas (one per core on one core), one
     * heap arena and 2 MiB chunks ({@code maxOrder} 8 of 8 KiB pages), unless the operator chose an allocator type
     * ({@code -Dio.netty.allocator.type}) or any of these. Netty's default, the adaptive allocator, runs in its
     * low-memory mode under the launcher's 256 MiB cap on direct memory and then allocated a fresh chunk, zeroed by
     * the JDK, for most large buffers: 9-10 % of each process's CPU in a bulk transfer went to zeroing memory. The
     * pool keeps its chunks and reuses them; its default configuration (two arenas per core, 4 MiB chunks) cost
     * ~40 MiB more RSS, this one ~0-10 MiB (docs/BENCHMARKS.md, "Start-up and memory").
     */
    static final String NETTY_ALLOCATOR_TYPE = "io.netty.allocator.type";

    /**
     * Guice builds its injector with reflection instead of generating classes ({@code DISABLED} unless the operator
     * sets {@code -Dguice_bytecode_gen_option}): the host uses no method interception, the generated classes served
     * only to construct its few singletons once, and Guice's bundled ASM is in the Java 5 class format, which
     * class-data sharing cannot archive. Creating the host's injector took 114-136 ms of the main thread with them,
     * 71-121 ms without (issue 12).
     */
    static final String GUICE_BYTECODE_GEN = "guice_bytecode_gen_option";

    /**
     * Netty's leak detector (level {@code simple}, Netty's default and ours) tracks one buffer allocation in 1024
     * instead of Netty's one in 128, unless the operator sets {@code -Dio.netty.leakDetection.samplingInterval}.
     * Each tracked buffer records the allocating thread's stack; with a buffer per TLS record and per read, at one
     * in 128 that stack walk was 6 % of the encrypting process's CPU samples in a bulk transfer (1.7 % at 1024), and
     * both proxy processes used 10-19 % less CPU per GiB at 1024 (issue 12, docs/BENCHMARKS.md round nine). A
     * leak that happens on a code path at all is still reported, after ~8 times as many leaked buffers; tests run
     * the detector at {@code paranoid}, which tracks every buffer.
     */
    static final String NETTY_LEAK_SAMPLING = "io.netty.leakDetection.samplingInterval";

    public static void main(String[] args) {
        processDefaults(System.getProperties());
        org.anytls4j.core.cli.StartupWarmup.startFor(args);
        FatalErrors.armProcessHalt();
        Thread.setDefaultUncaughtExceptionHandler(FatalErrors.process());
        NettyErrorWatch.install(FatalErrors.process());
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = Launcher.execute(args, out, err);
        System.exit(code);
    }

    /** Sets the defaults above in {@code properties}, each unless the operator set it ({@code JAVA_OPTS}). */
    static void processDefaults(java.util.Properties properties) {
        properties.putIfAbsent(NETTY_JFR, "false");
        properties.putIfAbsent(GUICE_BYTECODE_GEN, "DISABLED");
        properties.putIfAbsent(NETTY_LEAK_SAMPLING, "1024");
        properties.putIfAbsent(NETTY_ALLOCATOR_TYPE, "pooled");
        if ("pooled".equals(properties.getProperty(NETTY_ALLOCATOR_TYPE))) {
            int cores = Runtime.getRuntime().availableProcessors();
            properties.putIfAbsent("io.netty.allocator.numDirectArenas", String.valueOf(Math.min(2, cores)));
            properties.putIfAbsent("io.netty.allocator.numHeapArenas", "1");
            properties.putIfAbsent("io.netty.allocator.maxOrder", "8");
        }
    }
}
