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

    @Test
    void packsTheSameTreeIntoTheTarball() throws IOException {
        Path tarball = Distribution.home().resolveSibling(Distribution.home().getFileName() + ".tar.gz");
        assertThat(tarball).exists();

        List<String> names = tarNames(tarball);

        String base = Distribution.home().getFileName() + "/";
        assertThat(names).contains(base + "bin/anytls4j", base + "conf/client.conf");
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
    void servingCommandsLeaveC2ToHotCodeAndOtherCommandsCompileWithC1Alone(@TempDir Path dir) throws Exception {
        String lateC2 = " -XX:Tier4InvocationThreshold=40000 -XX:Tier4MinInvocationThreshold=20000"
                + " -XX:Tier4CompileThreshold=45000 -XX:Tier4BackEdgeThreshold=400000 ";
        String c1Only = " -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 ";
        for (String[] serving : List.of(new String[] {"run", "-c", "a.conf"}, new String[] {"client", "-s", "h:1"},
                new String[] {"--log-level", "debug", "server", "-c", "s.conf"},
                new String[] {"--plugins-dir", "check", "run"})) {
            assertThat(fakeJvm(dir, "17.0.15", null, serving)).as(String.join(" ", serving))
                    .contains(lateC2).doesNotContain("TieredStopAtLevel");
        }
        for (String[] other : List.of(new String[] {"check", "-c", "a.conf"}, new String[] {"-h"},
                new String[] {"--plugins-dir", "run", "plugins"}, new String[] {"generate", "password"})) {
            assertThat(fakeJvm(dir, "17.0.15", null, other)).as(String.join(" ", other))
                    .contains(c1Only).doesNotContain("Tier4");
        }
    }

    @Test
    void theJvmRunningTheTestsAcceptsTheCompilerDefaultsAndJavaOptsOverridesThem() {
        Distribution.Result serving = Distribution.script("-XX:+PrintFlagsFinal", "run", "-h");
        Distribution.Result overridden = Distribution.script("-XX:+PrintFlagsFinal -XX:Tier4InvocationThreshold=5000",
                "run", "-h");
        Distribution.Result other = Distribution.script("-XX:+PrintFlagsFinal", "-V");

        assertThat(serving.exitCode()).as(serving.err()).isZero();
        assertThat(serving.out()).containsPattern("intx Tier4InvocationThreshold +:?= 40000 ")
                .containsPattern("intx Tier4BackEdgeThreshold +:?= 400000 ");
        assertThat(overridden.out()).containsPattern("intx Tier4InvocationThreshold +:?= 5000 ");
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
