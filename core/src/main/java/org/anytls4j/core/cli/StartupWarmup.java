package org.anytls4j.core.cli;

import com.google.inject.Guice;
import com.google.inject.Stage;
import com.typesafe.config.ConfigFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.OpenSsl;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import org.anytls4j.core.admin.MeterConventions;
import org.anytls4j.core.plugin.PluginHost;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Start-up work done ahead on other threads while the main thread does its own (issue 12): the first use of a
 * library costs more than the use itself (classes read from their jars, static initialisers, native libraries
 * unpacked and linked), and the main thread meets these libraries one after another. On a machine with two cores
 * the warm-up thread takes them in parallel:
 * <ol>
 *   <li>the command-line parser (picocli, ~0.1 s: its classes are in the Java 5 format, which class-data sharing
 *       cannot archive, and it builds its model by reflection), while the main thread initialises logging and loads
 *       the plugins (it reads the global options without picocli: {@link Launcher.GlobalOptions}); not for a
 *       {@link ConfigFileInvocation}, which runs without picocli;</li>
 *   <li>the injector (Guice's own classes, with an empty module) and the configuration parser;</li>
 *   <li>once the main thread has initialised logging ({@link #loggingInitialised()}: Netty logs from its first use),
 *       Netty's native transport and its OpenSSL engine (~0.15-0.3 s: two native libraries unpacked and loaded,
 *       BoringSSL's cipher tables, and the JDK's TLS provider, which Netty asks what it supports), while the main
 *       thread loads the plugins and builds its command line.</li>
 * </ol>
 * and a second warm-up thread, from the start ({@link #secondSteps()}): the JDK's TLS provider ({@link #jdkTls()}), a
 * third of Netty's OpenSSL step, which then finds it initialised (client 0.90-0.97 x, server 0.94-0.99 x, round
 * eight); the host's {@code reference.conf}, which {@link PluginHost#start} then takes parsed
 * ({@link PluginHost#hostReference()}); and, once logging is up, a throwaway metrics registry, for the classes of
 * Micrometer's Prometheus registry that the injector's would load (both: client 0.93-0.96 x, round eight).
 * Each step only initialises what the main thread would initialise anyway, with the same settings (the process
 * defaults of {@code Main} are set before it starts), so a step that fails changes nothing: its error is logged at
 * DEBUG and the main thread meets it again where it always did (e.g. OpenSSL not available: the client logs the
 * cause and uses the JDK's engine).
 *
 * <p>Only the process entry point starts it. The commands that build the runtime (run, client, server, check) get
 * the steps above; the others (help, version, plugins, generate, import, tools) need neither Netty nor Guice and
 * get the command-line parser alone, which they all build in full (help: 0.62 → 0.57 s, round eight).
 *
 * <h2>Threading</h2>
 * Daemon threads. Loading this class loads no logging (the main thread initialises Logback meanwhile), and a step
 * that fails before the launcher says logging is up waits for that before it logs. The second thread touches only
 * the JDK, typesafe-config and Micrometer, never Netty. {@link #awaitNetty()} is the barrier, and joins both: the
 * main thread calls it before its own first use of Netty ({@link Launcher#host()}), so that no two threads initialise
 * Netty's classes or load its native libraries at the same time (the order in which two threads initialise classes
 * that need each other is how class initialisation deadlocks, and Netty's native libraries have had such bugs).
 */
public final class StartupWarmup {
    /** How long {@link #awaitNetty()} waits at most; the warm-up takes well under a second. */
    private static final long AWAIT_SECONDS = 30;
    private static volatile List<Thread> running = List.of();
    private static final CountDownLatch LOGGING = new CountDownLatch(1);

    private StartupWarmup() {
    }

    /**
     * Starts the warm-up of the process started with {@code args}: {@link #stepsFor} on one thread and, for a command
     * that builds the runtime, {@link #secondSteps()} on another.
     */
    public static void startFor(String[] args) {
        List<Thread> threads = new ArrayList<>();
        Launcher.GlobalOptions global = Launcher.GlobalOptions.parse(args);
        threads.add(thread("anytls4j-warmup", stepsFor(global)));
        if (buildsRuntime(global)) {
            threads.add(thread("anytls4j-warmup-2", secondSteps()));
        }
        running = List.copyOf(threads);
        threads.forEach(Thread::start);
    }

    private static Thread thread(String name, List<Step> steps) {
        Thread thread = new Thread(() -> run(steps, StartupWarmup::runStep), name);
        thread.setDaemon(true);
        return thread;
    }

    /** The second thread's steps: none touches Netty; the one that may log waits until logging is up. */
    static List<Step> secondSteps() {
        return List.of(
                new Step("jdk tls", StartupWarmup::jdkTls),
                new Step("host reference", PluginHost::hostReference),
                loggingStep(),
                new Step("metrics registry", () -> MeterConventions.newRegistry().close()));
    }

    /**
     * Initialises the JDK's TLS provider as Netty's OpenSSL initialisation asks it what it supports (a TLS context
     * without keys or trust, and an engine's protocols and cipher suites); the same provider is the engine the
     * transport falls back to without OpenSSL.
     */
    static void jdkTls() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[0], null);
            SSLEngine engine = context.createSSLEngine();
            engine.getSupportedProtocols();
            engine.getSupportedCipherSuites();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS context", e);
        }
    }

    /**
     * Whether {@code args} run one of the {@linkplain Launcher.GlobalOptions#RUNTIME_COMMANDS commands that build the
     * runtime}, without a request for help or the version. Reads them with {@link Launcher.GlobalOptions}, which
     * (unlike {@link Launcher}) initialises no logging.
     */
    static boolean buildsRuntime(String[] args) {
        return buildsRuntime(Launcher.GlobalOptions.parse(args));
    }

    private static boolean buildsRuntime(Launcher.GlobalOptions global) {
        return global.commandBuiltAlone().isPresent() && !global.asksForVersion();
    }

    /** The steps, in order; each is handed to {@code runner}. */
    static void run(List<Step> steps, Consumer<Step> runner) {
        for (Step step : steps) {
            runner.accept(step);
        }
    }

    /**
     * The steps for a process started with {@code args}: all of them for a command that builds the runtime (without
     * the command line for a {@link ConfigFileInvocation}), the command line alone for any other.
     */
    static List<Step> stepsFor(String[] args) {
        return stepsFor(Launcher.GlobalOptions.parse(args));
    }

    private static List<Step> stepsFor(Launcher.GlobalOptions global) {
        if (!buildsRuntime(global)) {
            return List.of(commandLineStep());
        }
        return steps(ConfigFileInvocation.of(global).isEmpty());
    }

    /** Waits until the launcher says logging is up: the steps after it may log. */
    private static Step loggingStep() {
        return new Step("logging initialised", () -> awaitLogging(LOGGING));
    }

    private static Step commandLineStep() {
        return new Step("command line", () -> new CommandLine(new AnytlsCommand()).parseArgs("--log-level", "info"));
    }

    /**
     * @param commandLine whether the main thread will build the command line: not for a
     *                    {@link ConfigFileInvocation}, which it runs without picocli
     */
    static List<Step> steps(boolean commandLine) {
        List<Step> steps = new ArrayList<>();
        if (commandLine) {
            steps.add(commandLineStep());
        }
        steps.addAll(List.of(
                new Step("injector", () -> Guice.createInjector(Stage.PRODUCTION, binder -> { })),
                new Step("config parser", () -> ConfigFactory.parseString("warmup { a = 1s, b = [ { c = d } ] }")
                        .resolve().getDuration("warmup.a")),
                loggingStep(),
                new Step("netty native transport", Epoll::isAvailable),
                new Step("netty openssl", OpenSsl::isAvailable)));
        return steps;
    }

    /**
     * Called by the launcher once SLF4J is initialised. Netty logs from its first use, and SLF4J queues the calls of
     * a thread that logs while another one initialises it, replays them and prints a warning about it on stderr:
     * the steps that log wait for this.
     */
    static void loggingInitialised() {
        LOGGING.countDown();
    }

    /** Waits for {@code initialised}, at most {@value #AWAIT_SECONDS} seconds (a warning is better than a hang). */
    static void awaitLogging(CountDownLatch initialised) {
        try {
            initialised.await(AWAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void runStep(Step step) {
        try {
            step.action().run();
        } catch (RuntimeException | LinkageError e) {
            awaitLogging(LOGGING);
            LoggerFactory.getLogger(StartupWarmup.class).debug(
                    "start-up warm-up '{}' failed; the main thread will meet this itself", step.name(), e);
        }
    }

    /**
     * Waits until the warm-up (if one runs) has finished: called before the main thread's first use of Netty.
     * Returns at once when none was started (in-process callers such as tests) or it has finished.
     */
    static void awaitNetty() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
        try {
            for (Thread thread : running) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (thread.isAlive()) {
                    LoggerFactory.getLogger(StartupWarmup.class).warn(
                            "start-up warm-up still running after {}s; going on without it", AWAIT_SECONDS);
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = List.of();
    }

    /** One step: a name for the log and what it does. */
    record Step(String name, Runnable action) {
    }
}
