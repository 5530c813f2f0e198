package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.anytls4j.core.plugin.PluginHost;
import org.junit.jupiter.api.Test;

class StartupWarmupTest {

    @Test
    void warmsUpOnlyForTheCommandsThatBuildTheRuntime() {
        assertThat(StartupWarmup.buildsRuntime(args("client", "-c", "client.conf"))).isTrue();
        assertThat(StartupWarmup.buildsRuntime(args("run"))).isTrue();
        assertThat(StartupWarmup.buildsRuntime(args("server", "-p", "secret"))).isTrue();
        assertThat(StartupWarmup.buildsRuntime(args("--log-level", "debug", "check", "-c", "x.conf"))).isTrue();
        assertThat(StartupWarmup.buildsRuntime(args("--plugins-dir", "/opt/p", "run", "-c", "x"))).isTrue();

        assertThat(StartupWarmup.buildsRuntime(args())).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("-h"))).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("client", "--help"))).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("-V", "run"))).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("plugins"))).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("generate", "certificate"))).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("import", "mihomo", "run.yaml"))).isFalse();
        // a global option's value is not the command
        assertThat(StartupWarmup.buildsRuntime(args("--plugins-dir", "run", "plugins"))).isFalse();
        assertThat(StartupWarmup.buildsRuntime(args("--log-level", "check", "plugins"))).isFalse();
    }

    @Test
    void everyStepRunsInThisJvmWithoutAnError() {
        List<String> ran = new ArrayList<>();
        StartupWarmup.run(StartupWarmup.steps(true), step -> {
            assertThatCode(() -> step.action().run()).as(step.name()).doesNotThrowAnyException();
            ran.add(step.name());
        });
        assertThat(ran).containsExactly("command line", "injector", "config parser", "logging initialised",
                "netty native transport", "netty openssl");
    }

    @Test
    void aCommandLineTheLauncherReadsWithoutPicocliDoesNotWarmPicocliUp() {
        assertThat(StartupWarmup.stepsFor(args("--log-level", "debug", "client", "-c", "client.conf")))
                .extracting(StartupWarmup.Step::name)
                .containsExactly("injector", "config parser", "logging initialised", "netty native transport",
                        "netty openssl");
        assertThat(StartupWarmup.stepsFor(args("client", "-s", "example.com:443", "-p", "secret")))
                .extracting(StartupWarmup.Step::name).first().isEqualTo("command line");
    }

    @Test
    void theCommandsThatNeedNeitherNettyNorGuiceWarmUpTheCommandLineAlone() {
        for (String[] args : List.of(args("-h"), args("-V"), args("plugins"), args("client", "--help"),
                args("generate", "password"), args())) {
            assertThat(StartupWarmup.stepsFor(args)).as(String.join(" ", args))
                    .extracting(StartupWarmup.Step::name).containsExactly("command line");
        }
    }

    @Test
    void theStepsThatLogWaitUntilLoggingIsInitialised() throws Exception {
        CountDownLatch initialised = new CountDownLatch(1);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> StartupWarmup.awaitLogging(initialised));

        assertThatThrownBy(() -> waiting.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        initialised.countDown();
        waiting.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFailingStepIsLeftForTheMainThreadAndTheNextStepsStillRun() {
        AtomicInteger after = new AtomicInteger();
        List<StartupWarmup.Step> steps = List.of(
                new StartupWarmup.Step("fails", () -> {
                    throw new IllegalStateException("no native library here");
                }),
                new StartupWarmup.Step("links badly", () -> {
                    throw new UnsatisfiedLinkError("libnetty_tcnative: no such file");
                }),
                new StartupWarmup.Step("after", after::incrementAndGet));

        StartupWarmup.loggingInitialised(); // a failure is logged once logging is up
        assertThatCode(() -> steps.forEach(StartupWarmup::runStep)).doesNotThrowAnyException();
        assertThat(after).hasValue(1);
    }

    @Test
    void theBarrierWaitsForTheWarmUpAndReturnsAtOnceWithoutOne() {
        StartupWarmup.awaitNetty(); // none started in this JVM yet, or one from an earlier test already awaited

        StartupWarmup.awaitNetty(); // and again: returns at once
        assertThat(warmupThreads()).isEmpty();

        StartupWarmup.startFor(args("check", "-c", "x.conf"));
        StartupWarmup.loggingInitialised(); // as the launcher says once SLF4J is up: Netty's steps wait for it
        StartupWarmup.awaitNetty();
        assertThat(warmupThreads()).isEmpty();
        StartupWarmup.awaitNetty();
    }

    @Test
    void theSecondThreadsStepsRunWithoutAnErrorAndLeaveTheHostsDefaultsParsed() {
        StartupWarmup.loggingInitialised(); // as the launcher says once SLF4J is up: the last step waits for it
        List<String> ran = new ArrayList<>();
        StartupWarmup.run(StartupWarmup.secondSteps(), step -> {
            assertThatCode(() -> step.action().run()).as(step.name()).doesNotThrowAnyException();
            ran.add(step.name());
        });

        assertThat(ran).containsExactly("jdk tls", "host reference", "logging initialised", "metrics registry");
        assertThat(PluginHost.hostReference()).isSameAs(PluginHost.hostReference());
        assertThat(PluginHost.hostReference().hasPath("log.level")).isTrue();
    }

    private static List<Thread> warmupThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("anytls4j-warmup") && thread.isAlive())
                .toList();
    }

    private static String[] args(String... args) {
        return args;
    }
}
