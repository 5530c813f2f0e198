package org.anytls4j.core.plugin;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Builds real PF4J plugin jars in a test: compiles Java sources with the test's class path (which has the API and
 * PF4J, whose annotation processor writes {@code META-INF/extensions.idx}), adds resources, and writes a jar whose
 * manifest carries the plugin descriptor, exactly as a plugin module's build does. Used by core's plugin tests and,
 * through core's test-jar, by the distribution's end-to-end tests.
 *
 * <p>Not thread-safe; one builder per jar.
 */
public final class TestPluginJars {
    private final String id;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, String> resources = new LinkedHashMap<>();
    private final Map<String, String> manifest = new LinkedHashMap<>();

    private TestPluginJars(String id) {
        this.id = id;
        manifest.put("Plugin-Id", id);
        manifest.put("Plugin-Version", "1.0.0");
        manifest.put("Plugin-Requires", ">=2.0.0 & <3.0.0");
        manifest.put("Plugin-Provider", "tests");
    }

    /** A plugin with this id, version 1.0.0, requiring API 1.x. */
    public static TestPluginJars plugin(String id) {
        return new TestPluginJars(id);
    }

    /**
     * A plugin whose single extension contributes one pool policy named {@code policyName} that never acts, with
     * that policy's {@code reference.conf} declaring no keys.
     */
    public static TestPluginJars policyPlugin(String id, String policyName) {
        String pkg = "test." + id.replaceAll("[^A-Za-z0-9]", "_");
        return plugin(id).source(pkg + ".PolicyPlugin", """
                package %s;

                import com.typesafe.config.Config;
                import java.util.List;
                import org.anytls4j.api.AnytlsPlugin;
                import org.anytls4j.api.pool.Decision;
                import org.anytls4j.api.pool.PolicyContext;
                import org.anytls4j.api.pool.PoolPolicy;
                import org.anytls4j.api.pool.PoolPolicyFactory;

                @org.pf4j.Extension
                public class PolicyPlugin implements AnytlsPlugin {
                    @Override
                    public List<PoolPolicyFactory> poolPolicies() {
                        return List.of(new PoolPolicyFactory() {
                            @Override
                            public String name() {
                                return "%s";
                            }

                            @Override
                            public PoolPolicy create(Config settings, PolicyContext context) {
                                return (pool, nowNanos) -> Decision.nothing();
                            }
                        });
                    }
                }
                """.formatted(pkg, policyName));
    }

    public TestPluginJars version(String version) {
        manifest.put("Plugin-Version", version);
        return this;
    }

    public TestPluginJars requires(String requires) {
        manifest.put("Plugin-Requires", requires);
        return this;
    }

    /** Adds a compilation unit; {@code className} is fully qualified. */
    public TestPluginJars source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Adds every {@code .java} file below {@code sourceRoot}. */
    public TestPluginJars sourceTree(Path sourceRoot) {
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String relative = sourceRoot.relativize(file).toString();
                sources.put(relative.substring(0, relative.length() - 5).replace('/', '.'), Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Adds every file below {@code resourceRoot} as a resource. */
    public TestPluginJars resourceTree(Path resourceRoot) {
        if (!Files.isDirectory(resourceRoot)) {
            return this;
        }
        try (Stream<Path> files = Files.walk(resourceRoot)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                resources.put(resourceRoot.relativize(file).toString().replace('\\', '/'), Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public TestPluginJars resource(String path, String content) {
        resources.put(path, content);
        return this;
    }

    /** Takes every manifest entry of {@code file} (a {@code MANIFEST.MF}), e.g. an example plugin's own. */
    public TestPluginJars manifestFrom(Path file) {
        try (var in = Files.newInputStream(file)) {
            new Manifest(in).getMainAttributes().forEach((k, v) -> manifest.put(k.toString(), v.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Compiles and writes {@code <dir>/<id>-<version>.jar}.
     *
     * @return the jar
     * @throws IllegalStateException with the compiler's diagnostics when the sources do not compile
     */
    public Path writeTo(Path dir) {
        Path classes;
        try {
            classes = Files.createTempDirectory("plugin-classes-" + id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            compile(classes);
            resources.forEach((path, content) -> write(classes.resolve(path), content));
            Files.createDirectories(dir);
            Path jar = dir.resolve(id + "-" + manifest.get("Plugin-Version") + ".jar");
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.forEach((k, v) -> mf.getMainAttributes().put(new Attributes.Name(k), v));
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(classes);
        }
    }

    /** Removes the compiler's scratch directory: a suite writes thousands of these jars. */
    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }

    /** Compiles into {@code dir} and writes the descriptor as PF4J development mode reads it from a module. */
    public Path writeModuleTo(Path moduleDir) {
        Path classes = moduleDir.resolve("target/classes");
        compile(classes);
        resources.forEach((path, content) -> write(classes.resolve(path), content));
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.forEach((k, v) -> mf.getMainAttributes().put(new Attributes.Name(k), v));
        try {
            Files.createDirectories(classes.resolve("META-INF"));
            try (OutputStream out = Files.newOutputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
                mf.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return moduleDir;
    }

    private void compile(Path classes) {
        if (sources.isEmpty()) {
            return;
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<JavaFileObject> units = new ArrayList<>();
        sources.forEach((name, code) -> units.add(new SimpleJavaFileObject(
                URI.create("string:///" + name.replace('.', '/') + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        }));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
                "--release", "17", "-Xlint:none");
        boolean ok = compiler.getTask(null, null, diagnostics, options, null, units).call();
        if (!ok) {
            throw new IllegalStateException("plugin " + id + " does not compile: " + diagnostics.getDiagnostics());
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
