package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class LauncherScriptTest {
    @Test
    void listsEveryBuiltInPluginLoadedFromThePluginsDirectory() throws IOException {
        List<String> ids = Distribution.pluginIds(Distribution.plugins());
        assertThat(ids).contains("transport-anytls", "pool-min-idle", "pool-ensure-idle", "heartbeat");

        Distribution.Result result = Distribution.script("", "plugins");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("deployment [" + Distribution.plugins().toRealPath() + "]");
        for (String id : ids) {
            assertThat(result.out()).containsPattern(id + "@0\\.1\\.0 +started +\\S");
        }
        assertThat(result.out()).containsPattern("transport-anytls@0\\.1\\.0 +started +transport \\[anytls\\]");
    }

    @Test
    void honoursJavaOptsForThePluginsDirectory(@TempDir Path empty) {
        Distribution.Result result = Distribution.script("-Dpf4j.pluginsDir=" + empty, "plugins");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("deployment [" + empty + "]").doesNotContain("transport-anytls");
    }

    @Test
    void printsVersionsAndTheTlsProvider() {
        Distribution.Result result = Distribution.script("", "-V");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("anytls4j 0.1.0").contains("API " + org.anytls4j.api.ApiVersion.API)
                .contains("TLS provider: ");
    }

    /**
     * Netty's pool creates a 2 MiB chunk again whenever a chunk it freed is needed; with the JDK's allocator each one
     * is zeroed first (27 % of a client's CPU in a bulk download after a burst of connections), so the launcher opens
     * {@code java.nio} for Netty to allocate its direct memory itself. JAVA_OPTS can still turn it off.
     */
    @Test
    void letsNettyAllocateDirectMemoryWithoutTheJdksZeroingUnlessJavaOptsSaysOtherwise() {
        Distribution.Result defaults = Distribution.script("", "-V");
        Distribution.Result off = Distribution.script("-Dio.netty.tryReflectionSetAccessible=false", "-V");

        assertThat(defaults.exitCode()).as(defaults.err()).isZero();
        assertThat(defaults.out()).contains("Direct buffers: allocated by Netty, not zeroed");
        assertThat(off.exitCode()).as(off.err()).isZero();
        assertThat(off.out()).contains("Direct buffers: allocated by the JDK, zeroed");
    }

    /**
     * Netty copies its native libraries (epoll, BoringSSL) out of their jars into a work directory at every start
     * unless it finds them on {@code java.library.path}, and where it cannot load the copy (a /tmp mounted noexec, a
     * work directory it cannot write) it falls back to the JDK's TLS and NIO. The launcher puts lib/native, unpacked
     * at build time, on that path; a work directory that is a file stands for one nothing can be unpacked into.
     */
    @Test
    void loadsNettysNativeLibrariesFromLibNativeWithoutUnpackingThemUnlessJavaOptsSaysOtherwise() {
        String unusableWorkdir = "-Dio.netty.native.workdir=" + Distribution.home().resolve("bin/anytls4j");

        Distribution.Result result = Distribution.script(unusableWorkdir, "-V");
        Distribution.Result operators = Distribution.script(
                unusableWorkdir + " -Djava.library.path=" + Distribution.home().resolve("conf"), "-V");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("TLS provider: OpenSSL (BoringSSL)").contains("Transport: epoll (native)");
        assertThat(operators.exitCode()).as(operators.err()).isZero();
        assertThat(operators.out()).as("JAVA_OPTS comes after the launcher's path").contains("TLS provider: JDK")
                .contains("Transport: NIO (epoll not available: ");
    }

    @Test
    void packsTheSameTreeIntoTheTarball() throws IOException {
        Path tarball = Distribution.home().resolveSibling(Distribution.home().getFileName() + ".tar.gz");
        assertThat(tarball).exists();

        List<String> names = tarNames(tarball);

        String base = Distribution.home().getFileName() + "/";
        assertThat(names).contains(base + "bin/anytls4j", base + "conf/client.conf",
                base + "lib/native/libnetty_tcnative_linux_x86_64.so",
                base + "lib/native/libnetty_transport_native_epoll_x86_64.so");
        assertThat(names).anyMatch(n -> n.startsWith(base + "lib/anytls4j-core-"));
        assertThat(names).anyMatch(n -> n.startsWith(base + "plugins/anytls4j-transport-anytls-"));
        assertThat(names).noneMatch(n -> n.startsWith(base + "lib/anytls4j-transport-anytls"));
    }

    @Test
    void mapsTheClassDataSharingArchiveThePackageStepWrote() throws IOException {
        try (var archives = Files.list(Distribution.home().resolve("lib/cds"))) {
            assertThat(archives.map(p -> p.getFileName().toString()).toList())
                    .singleElement().asString().matches("anytls4j-\\d+\\.jsa");
        }

        Distribution.Result result = Distribution.script("-Xlog:class+load=info:stdout", "-V");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("org.anytls4j.core.Main source: shared objects file (top)");
        assertThat(result.err()).doesNotContain("cds");
    }

    @Test
    void theArchiveThePackageStepWroteHoldsThePluginsClassesToo(@TempDir Path dir) throws IOException {
        String conf = Files.writeString(dir.resolve("client.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0, outbound = proxy } ]
                outbounds = [ {
                  type = anytls, tag = proxy, server = "127.0.0.1", server_port = 1, password = "a-password"
                  tls { server_name = localhost, insecure = true }
                  min_idle_session = 1, ensure_idle_session = 1, heartbeat = 30s
                } ]
                """).toString();

        Distribution.Result check = Distribution.script("-Xlog:class+load=info:stdout", "check", "-c", conf);

        // the plugins' class loaders are PF4J's: their classes come from the archive only if the check that wrote it
        // still had them loaded as the JVM exited (a GC after they were unloaded left them out, 1 archive in 3)
        assertThat(check.exitCode()).as(check.err()).isZero();
        for (String pluginClass : List.of("org.anytls4j.transport.anytls.AnytlsTransportPlugin",
                "org.anytls4j.transport.anytls.client.ClientSettings", "org.anytls4j.plugin.heartbeat.HeartbeatPlugin",
                "org.anytls4j.plugin.minidle.MinIdlePlugin", "org.anytls4j.plugin.ensureidle.EnsureIdlePlugin")) {
            assertThat(check.out()).contains(pluginClass + " source: shared objects file (top)");
        }
    }

    @Test
    void aCheckOfAFileLoadsNoClassOfTheCommandLineParserAndHelpStillDoes(@TempDir Path dir) throws IOException {
        String conf = Files.writeString(dir.resolve("client.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0, outbound = direct } ]
                outbounds = [ { type = direct, tag = direct } ]
                """).toString();

        Distribution.Result check = Distribution.script("-Xlog:class+load=info:stdout", "check", "-c", conf);
        Distribution.Result help = Distribution.script("-Xlog:class+load=info:stdout", "check", "-c", conf, "-h");

        assertThat(check.exitCode()).as(check.err()).isZero();
        assertThat(check.out()).contains("client.conf: valid").doesNotContain(" picocli.");
        // the warm-up thread's first library logs only once the main thread has initialised SLF4J
        assertThat(check.err()).doesNotContain("SLF4J");
        assertThat(help.exitCode()).as(help.err()).isZero();
        assertThat(help.out()).contains(" picocli.CommandLine ").contains("Usage: anytls4j check");
    }

    @Test
    void theArchiveIsOnlyForTheUnpackedTreeNotTheTarball() throws IOException {
        Path tarball = Distribution.home().resolveSibling(Distribution.home().getFileName() + ".tar.gz");

        assertThat(tarNames(tarball)).noneMatch(n -> n.contains("lib/cds"));
    }

    @Test
    void anInstallationElsewhereWritesItsOwnArchiveOnItsFirstCheck(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("anytls4j");
        for (String part : List.of("bin", "lib", "plugins", "conf")) {
            copyTree(Distribution.home().resolve(part), home.resolve(part));
        }
        deleteTree(home.resolve("lib/cds"));
        Path conf = home.resolve("conf/client.conf");

        assertThat(launch(home, "-V")).isZero();
        assertThat(home.resolve("lib/cds")).as("-V does not write the archive").doesNotExist();
        assertThat(launch(home, "check", "-c", conf.toString())).isZero();
        try (var archives = Files.list(home.resolve("lib/cds"))) {
            assertThat(archives.toList()).singleElement().satisfies(a -> assertThat(Files.size(a)).isPositive());
        }
        Path classes = dir.resolve("classes.txt");
        assertThat(launch(home, "-V", "-Xlog:class+load=info:file=" + classes)).isZero();
        assertThat(Files.readString(classes)).contains("org.anytls4j.core.Main source: shared objects file (top)");
    }

    @Test
    void onJava25TheFirstCheckTrainsAnAotCacheInASecondSilentRunAndLaterLaunchesUseIt(@TempDir Path dir)
            throws Exception {
        Path home = copyWithoutArchive(dir, "bin", "lib");
        Path jvm = recordingJvm(dir, "25.0.3");
        Path calls = jvm.resolve("calls.txt");

        assertThat(launchWith(home, jvm, "check", "-c", "fail.conf")).isEqualTo(1);
        assertThat(Files.readAllLines(calls)).as("a failing check trains nothing").singleElement().asString()
                .doesNotContain("AOTCache");
        Files.delete(calls);

        assertThat(launchWith(home, jvm, "check", "-c", "good.conf")).isZero();
        List<String> checks = Files.readAllLines(calls);
        assertThat(checks).hasSize(2);
        assertThat(checks.get(0)).doesNotContain("AOTCache").doesNotContain("anytls4j.cds.training")
                .contains("check -c good.conf");
        assertThat(checks.get(1)).containsPattern("-XX:AOTCacheOutput=\\S*/lib/cds/anytls4j-\\d+\\.aot ")
                .contains(" -Danytls4j.cds.training=true ").contains("-Xlog:aot*=off").endsWith("check -c good.conf ");
        String archive = checks.get(1).replaceAll(".*-XX:AOTCacheOutput=(\\S+) .*", "$1");
        Files.writeString(Path.of(archive), "stand-in");
        Files.delete(calls);

        assertThat(launchWith(home, jvm, "client", "-c", "good.conf")).isZero();
        assertThat(Files.readAllLines(calls)).singleElement().asString().contains("-XX:AOTCache=" + archive + " ")
                .contains(" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ")
                .as("only the run that writes the archive trains").doesNotContain("anytls4j.cds.training");
    }

    /**
     * The same on a real Java 25 (the one in {@code -Danytls4j.test.jdk25}, default Temurin's under /usr/lib/jvm;
     * skipped where there is none): the check prints only its own result, the cache is written, and the next launch
     * maps {@code Main} from it with no warning on stderr.
     */
    @Test
    @Timeout(180)
    void aRealJava25WritesTheCacheSilentlyAndMapsTheLauncherFromIt(@TempDir Path dir) throws Exception {
        Path jdk = Path.of(System.getProperty("anytls4j.test.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(jdk.resolve("bin/java")), "no Java 25 here");
        Path home = copyWithoutArchive(dir, "bin", "lib", "plugins");
        Path config = Files.writeString(dir.resolve("client.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0, outbound = proxy } ]
                outbounds = [ { type = anytls, tag = proxy, server = "127.0.0.1", server_port = 1, password = p
                                tls { server_name = localhost, insecure = true } } ]
                """);

        ProcessBuilder check = new ProcessBuilder("sh", home.resolve("bin/anytls4j").toString(), "check", "-c",
                config.toString());
        check.environment().put("JAVA_HOME", jdk.toString());
        check.environment().remove("JAVA_OPTS");
        check.environment().remove("ANYTLS4J_CDS");
        Process process = check.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(150, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(out + err).isZero();
        assertThat(out).startsWith(config + ": valid").doesNotContain("AOT");
        assertThat(err).doesNotContain("AOT").doesNotContain("WARNING:");
        try (var archives = Files.list(home.resolve("lib/cds"))) {
            assertThat(archives.toList()).singleElement().asString().endsWith(".aot");
        }
        ProcessBuilder version = new ProcessBuilder("sh", home.resolve("bin/anytls4j").toString(), "-V");
        version.environment().put("JAVA_HOME", jdk.toString());
        version.environment().put("JAVA_OPTS", "-Xlog:class+load=info:stdout");
        version.environment().remove("ANYTLS4J_CDS");
        Process v = version.start();
        String vOut = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String vErr = new String(v.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(v.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(vOut).containsPattern("org\\.anytls4j\\.core\\.Main source: shared objects file");
        assertThat(vErr).doesNotContain("WARNING:");
    }

    @Test
    void onJava17TheArchiveIsTheDynamicCdsOneAndNoJava24OptionIsGiven(@TempDir Path dir) throws Exception {
        Path home = copyWithoutArchive(dir, "bin", "lib");
        Path jvm = recordingJvm(dir, "17.0.15");

        assertThat(launchWith(home, jvm, "check", "-c", "good.conf")).isZero();

        assertThat(Files.readAllLines(jvm.resolve("calls.txt"))).singleElement().asString()
                .containsPattern("-XX:ArchiveClassesAtExit=\\S*/lib/cds/anytls4j-\\d+\\.jsa ")
                .contains(" -Danytls4j.cds.training=true ")
                .doesNotContain("AOTCache").doesNotContain("--enable-native-access");
    }

    @Test
    void writingAnArchiveRemovesStaleOnesButKeepsThoseOfAnotherJvm(@TempDir Path dir) throws Exception {
        Path home = copyWithoutArchive(dir, "bin", "lib");
        Path cds = Files.createDirectories(home.resolve("lib/cds"));
        Path otherJvm = Files.writeString(cds.resolve("anytls4j-111.aot"), "another JVM's cache");
        Path stale = Files.writeString(cds.resolve("anytls4j-222.jsa"), "made for older jars");
        java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.fromMillis(0);
        Files.setLastModifiedTime(stale, longAgo);

        assertThat(launchWith(home, recordingJvm(dir, "17.0.15"), "check", "-c", "good.conf")).isZero();

        assertThat(otherJvm).exists();
        assertThat(stale).doesNotExist();
    }

    @Test
    void onJava17ACheckThatFailsLeavesNoArchiveSoThatTheNextCheckWritesAFullOne(@TempDir Path dir) throws Exception {
        // A JVM writes the archive as it exits, whatever the exit status; a check that stops at an invalid file (the
        // shipped client.conf without ANYTLS4J_PASSWORD) never reaches the training connections, and its archive,
        // ~260 of a client's classes short (docs/BENCHMARKS.md, round nine), would be kept for good.
        Path home = copyWithoutArchive(dir, "bin", "lib");
        Path jvm = recordingJvm(dir, "17.0.15");

        assertThat(launchWith(home, jvm, "check", "-c", "fail.conf")).isEqualTo(1);
        assertThat(home.resolve("lib/cds")).isEmptyDirectory();

        assertThat(launchWith(home, jvm, "check", "-c", "good.conf")).isZero();
        try (var archives = Files.list(home.resolve("lib/cds"))) {
            assertThat(archives.toList()).singleElement().asString().matches(".*/anytls4j-\\d+\\.jsa");
        }
        List<String> calls = Files.readAllLines(jvm.resolve("calls.txt"));
        assertThat(calls).hasSize(2).allMatch(call -> call.contains("-XX:ArchiveClassesAtExit="));
    }

    /** A copy of these parts of the distribution under {@code dir/anytls4j}, without its archive. */
    private static Path copyWithoutArchive(Path dir, String... parts) throws IOException {
        Path home = dir.resolve("anytls4j");
        for (String part : parts) {
            copyTree(Distribution.home().resolve(part), home.resolve(part));
        }
        deleteTree(home.resolve("lib/cds"));
        return home;
    }

    /**
     * A stand-in JVM of {@code version} that appends its arguments to {@code calls.txt}, writes the archive that
     * {@code -XX:ArchiveClassesAtExit} names (as a real one does, whatever its exit status) and fails for fail.conf.
     */
    private static Path recordingJvm(Path dir, String version) throws IOException {
        Path home = Files.createTempDirectory(dir, "jvm");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$* \" >> '" + home.resolve("calls.txt") + "'\n"
                + "for a in \"$@\"; do case $a in -XX:ArchiveClassesAtExit=*) echo archive > \"${a#*=}\" ;; esac; done\n"
                + "case \"$*\" in *fail.conf*) exit 1 ;; esac\nexit 0\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    /** Runs {@code home/bin/anytls4j args} on the JVM at {@code javaHome}, class-data sharing on; its exit code. */
    private static int launchWith(Path home, Path javaHome, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", home.resolve("bin/anytls4j").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("ANYTLS4J_CDS");
        Process process = builder.start();
        assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("exits").isTrue();
        return process.exitValue();
    }

    /** Runs {@code home/bin/anytls4j args}, the last argument JAVA_OPTS when it starts with -X; its exit code. */
    private static int launch(Path home, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", home.resolve("bin/anytls4j").toString()));
        String javaOpts = "";
        for (String arg : args) {
            if (arg.startsWith("-X")) {
                javaOpts = arg;
            } else {
                command.add(arg);
            }
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", javaOpts);
        builder.environment().remove("ANYTLS4J_CDS");
        Process process = builder.start();
        assertThat(process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("exits").isTrue();
        return process.exitValue();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void defaultsToTheSerialCollectorAndSmallStacksUnlessJavaOptsSaysOtherwise() {
        Distribution.Result defaults = Distribution.script("-XX:+PrintFlagsFinal", "-V");
        Distribution.Result overridden = Distribution.script("-XX:+PrintFlagsFinal -XX:+UseParallelGC -Xss1m",
                "-V");

        assertThat(defaults.exitCode()).as(defaults.err()).isZero();
        assertThat(defaults.out()).containsPattern("bool UseSerialGC +:?= true")
                .containsPattern("intx ThreadStackSize +:?= 512 ")
                .containsPattern("size_t MaxHeapSize +:?= 268435456 ");
        assertThat(overridden.exitCode()).as(overridden.err()).isZero();
        assertThat(overridden.out()).containsPattern("bool UseParallelGC +:?= true")
                .containsPattern("bool UseSerialGC +:?= false")
                .containsPattern("intx ThreadStackSize +:?= 1024 ");
    }

    @Test
    void trimsTheCHeapOnlyOnAJvmThatHasTheOptionAndKeepsTwoMallocArenasUnlessTheEnvironmentChooses(
            @TempDir Path dir) throws Exception {
        assertThat(fakeJvm(dir, "17.0.15", null)).contains(" -XX:TrimNativeHeapInterval=5000 ")
                .startsWith("MALLOC_ARENA_MAX=2 ");
        assertThat(fakeJvm(dir, "21.0.2", null)).contains(" -XX:TrimNativeHeapInterval=5000 ");
        assertThat(fakeJvm(dir, "22", null)).contains(" -XX:TrimNativeHeapInterval=5000 ");
        assertThat(fakeJvm(dir, "17.0.9", null)).doesNotContain("TrimNativeHeapInterval");
        assertThat(fakeJvm(dir, "21.0.1", null)).doesNotContain("TrimNativeHeapInterval");
        assertThat(fakeJvm(dir, "20.0.2", null)).doesNotContain("TrimNativeHeapInterval");
        assertThat(fakeJvm(dir, "", null)).doesNotContain("TrimNativeHeapInterval");
        assertThat(fakeJvm(dir, "17.0.15", "8")).startsWith("MALLOC_ARENA_MAX=8 ");
    }

    @Test
    void everyCommandCompilesWithC1AloneServingOnesEarlyAndShortOnesWithOneThread(@TempDir Path dir) throws Exception {
        for (String[] serving : List.of(new String[] {"run", "-c", "a.conf"}, new String[] {"client", "-s", "h:1"},
                new String[] {"--log-level", "debug", "server", "-c", "s.conf"},
                new String[] {"--plugins-dir", "check", "run"})) {
            assertThat(fakeJvm(dir, "17.0.15", null, serving)).as(String.join(" ", serving))
                    .contains(" -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.1 ")
                    .doesNotContain("CICompilerCount").doesNotContain("Tier4");
        }
        for (String[] other : List.of(new String[] {"check", "-c", "a.conf"}, new String[] {"-h"},
                new String[] {"--plugins-dir", "run", "plugins"}, new String[] {"generate", "password"})) {
            assertThat(fakeJvm(dir, "17.0.15", null, other)).as(String.join(" ", other))
                    .contains(" -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 ").doesNotContain("Tier4")
                    .doesNotContain("CompileThresholdScaling");
        }
    }

    @Test
    void theJvmRunningTheTestsAcceptsTheCompilerDefaultsAndJavaOptsOverridesThem() {
        Distribution.Result serving = Distribution.script("-XX:+PrintFlagsFinal", "run", "-h");
        Distribution.Result withC2 = Distribution.script("-XX:+PrintFlagsFinal -XX:TieredStopAtLevel=4", "run", "-h");
        Distribution.Result other = Distribution.script("-XX:+PrintFlagsFinal", "-V");

        assertThat(serving.exitCode()).as(serving.err()).isZero();
        assertThat(serving.out()).containsPattern("intx TieredStopAtLevel +:?= 1 ")
                .containsPattern("double CompileThresholdScaling +:?= 0.1");
        assertThat(withC2.exitCode()).as(withC2.err()).isZero();
        assertThat(withC2.out()).containsPattern("intx TieredStopAtLevel +:?= 4 ");
        assertThat(other.exitCode()).as(other.err()).isZero();
        assertThat(other.out()).containsPattern("intx TieredStopAtLevel +:?= 1 ")
                .containsPattern("intx CICompilerCount +:?= 1 ");
    }

    @Test
    void theJvmRunningTheTestsAcceptsTheCHeapDefaults() {
        Runtime.Version v = Runtime.version();
        boolean hasTrim = v.feature() == 17 && v.update() >= 10 || v.feature() == 21 && v.update() >= 2
                || v.feature() >= 22;

        Distribution.Result result = Distribution.script("-XX:+PrintFlagsFinal", "-V");

        assertThat(result.exitCode()).as(result.err()).isZero();
        if (hasTrim) {
            assertThat(result.out()).containsPattern("uint TrimNativeHeapInterval +:?= 5000 ");
        }
    }

    /**
     * Runs the launcher with a stand-in JVM whose {@code release} file names {@code version} (empty: no file) and
     * whose {@code bin/java} prints {@code MALLOC_ARENA_MAX=...} and its arguments; the launcher gets {@code args}
     * ({@code -V} when none).
     */
    private static String fakeJvm(Path dir, String version, String mallocArenaMax, String... args) throws Exception {
        Path home = Files.createTempDirectory(dir, "jvm");
        Path launcher = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(launcher, "#!/bin/sh\necho \"MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX $* \"\n");
        assertThat(launcher.toFile().setExecutable(true)).isTrue();
        if (!version.isEmpty()) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        }
        List<String> command = new ArrayList<>(List.of("sh", Distribution.home().resolve("bin/anytls4j").toString()));
        command.addAll(args.length == 0 ? List.of("-V") : List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", home.toString());
        builder.environment().put("ANYTLS4J_CDS", "off");
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("MALLOC_ARENA_MAX");
        if (mallocArenaMax != null) {
            builder.environment().put("MALLOC_ARENA_MAX", mallocArenaMax);
        }
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        return out;
    }

    /** Entry names of a tar.gz (ustar headers: name in the first 100 bytes, size in octal at 124). */
    private static List<String> tarNames(Path tarball) throws IOException {
        List<String> names = new ArrayList<>();
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(tarball))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = new String(header, 0, 100, java.nio.charset.StandardCharsets.US_ASCII).trim()
                        .replace("\0", "");
                String prefix = new String(header, 345, 155, java.nio.charset.StandardCharsets.US_ASCII)
                        .replace("\0", "").trim();
                String size = new String(header, 124, 12, java.nio.charset.StandardCharsets.US_ASCII)
                        .replace("\0", "").trim();
                long bytes = size.isEmpty() ? 0 : Long.parseLong(size, 8);
                names.add(prefix.isEmpty() ? name : prefix + "/" + name);
                in.skipNBytes((bytes + 511) / 512 * 512);
            }
        }
        return names;
    }
}
