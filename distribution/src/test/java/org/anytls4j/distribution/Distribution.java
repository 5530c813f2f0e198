package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.anytls4j.core.cli.Launcher;

/**
 * Where the packaged distribution and the source tree are, and ways to run the launcher against them: as a real
 * process through {@code bin/anytls4j}, or in this JVM through {@link Launcher} (faster; same code path after the
 * script). End-to-end tests of every team use it; plugin jars are never on the test class path.
 */
public final class Distribution {
    private Distribution() {
    }

    /** {@code distribution/target/anytls4j-<version>}: bin/, lib/, plugins/, conf/. */
    public static Path home() {
        Path home = Path.of(System.getProperty("anytls4j.distribution.dir", "target/anytls4j-0.1.0"));
        assertThat(home.resolve("bin/anytls4j")).as("run the tests with mvn verify: the distribution is packaged "
                + "before they run").exists();
        return home;
    }

    public static Path plugins() {
        return home().resolve("plugins");
    }

    /** The root of the source tree (for examples/ and distribution/src/conf). */
    public static Path sourceRoot() {
        return Path.of(System.getProperty("anytls4j.source.root", "..")).toAbsolutePath().normalize();
    }

    /** The {@code Plugin-Id} of every jar in {@code dir}. */
    public static List<String> pluginIds(Path dir) {
        try (Stream<Path> jars = Files.list(dir)) {
            return jars.filter(p -> p.toString().endsWith(".jar")).sorted().map(jar -> {
                try (JarFile file = new JarFile(jar.toFile())) {
                    return file.getManifest().getMainAttributes().getValue("Plugin-Id");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome of one launcher invocation. */
    public record Result(int exitCode, String out, String err) {
    }

    /** Runs the launcher in this JVM with {@code --plugins-dir pluginsDir} in front of {@code args}. */
    public static Result launch(Path pluginsDir, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--plugins-dir";
        all[1] = pluginsDir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * Runs {@code bin/anytls4j args} as a process with this JVM's Java as {@code JAVA_HOME} and the given
     * {@code JAVA_OPTS} (may be empty), waiting at most 60 seconds.
     */
    public static Result script(String javaOpts, String... args) {
        Path errFile = null;
        Path outFile = null;
        try {
            errFile = Files.createTempFile("anytls4j-err", ".txt");
            outFile = Files.createTempFile("anytls4j-out", ".txt");
            ProcessBuilder builder = new ProcessBuilder();
            builder.command().add("sh");
            builder.command().add(home().resolve("bin/anytls4j").toString());
            builder.command().addAll(List.of(args));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("JAVA_OPTS", javaOpts);
            builder.environment().remove("ANYTLS4J_HOME");
            builder.environment().remove("ANYTLS4J_PASSWORD"); // as in a fresh shell; the e2e run sets it for conf/
            builder.redirectOutput(outFile.toFile()).redirectError(errFile.toFile());
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("bin/anytls4j " + String.join(" ", args) + " did not exit in 60s");
            }
            return new Result(process.exitValue(), Files.readString(outFile), Files.readString(errFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            deleteQuietly(errFile);
            deleteQuietly(outFile);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temp file left behind is not a test failure
        }
    }
}
