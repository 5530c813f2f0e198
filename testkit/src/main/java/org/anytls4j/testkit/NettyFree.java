package org.anytls4j.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks that compiled classes need neither Netty nor Micrometer: a pool policy or session monitor compiles and runs
 * against the JDK, typesafe-config, PF4J and the anytls4j policy/monitor API alone (API 2.0). It reads the class
 * files' constant pools (every class, field and method reference and every signature), and follows each reference
 * to an {@code org.anytls4j.api} type into that type, so a plugin that uses the transport's {@code Session} (whose
 * {@code openStream} returns a Netty channel) is caught as well as one that imports Netty itself. It does not follow
 * references into {@code AnytlsPlugin}, every plugin's entry point: its {@code transports()} and {@code inbounds()}
 * defaults name the Netty SPI, which a policy or monitor plugin neither overrides nor calls (nor does javac need their
 * types to compile one).
 *
 * <pre>{@code
 * @Test
 * void needsNoNettyNorMicrometer() {
 *     assertThat(NettyFree.violations(NettyFree.classesOf(IdleCapPolicy.class))).isEmpty();
 * }
 * }</pre>
 */
public final class NettyFree {
    private static final List<String> FORBIDDEN = List.of("io/netty/", "io/micrometer/");
    private static final String API = "org/anytls4j/api/";
    private static final String ENTRY_POINT = "org/anytls4j/api/AnytlsPlugin";

    private NettyFree() {
    }

    /** The class-path root that holds {@code type}: a directory of class files ({@code target/classes}) or a jar. */
    public static Path classesOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Every Netty or Micrometer reference of the class files under {@code classesRoot} (a directory or a jar) whose
     * names start with {@code packagePrefix} ({@code ""} for all), each as {@code com/example/Foo -> io/netty/channel/Channel}, or
     * {@code com/example/Foo -> org/anytls4j/api/outbound/Session -> io/netty/channel/Channel} when it comes through an
     * API type. API types are read from this class's class loader. Empty when clean.
     */
    public static List<String> violations(Path classesRoot, String packagePrefix) {
        if (Files.isRegularFile(classesRoot)) {
            try (FileSystem jar = FileSystems.newFileSystem(classesRoot)) {
                return violations(jar.getPath("/"), packagePrefix);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (!Files.isDirectory(classesRoot)) {
            throw new IllegalArgumentException("neither a directory of classes nor a jar: " + classesRoot);
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classesRoot)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = classesRoot.relativize(file).toString().replace('\\', '/').replaceAll("\\.class$", "");
                if (!name.startsWith(packagePrefix) || name.endsWith("module-info") || name.endsWith("package-info")) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    found.addAll(check(name, in));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** {@link #violations(Path, String)} for every class under {@code classesRoot}. */
    public static List<String> violations(Path classesRoot) {
        return violations(classesRoot, "");
    }

    private static List<String> check(String name, InputStream in) throws IOException {
        List<String> found = new ArrayList<>();
        Set<String> seen = new HashSet<>(Set.of(name));
        Deque<List<String>> paths = new ArrayDeque<>();
        for (String reference : references(in)) {
            visit(List.of(name), reference, found, seen, paths);
        }
        while (!paths.isEmpty()) {
            List<String> path = paths.pop();
            String type = path.get(path.size() - 1);
            try (InputStream api = NettyFree.class.getClassLoader().getResourceAsStream(type + ".class")) {
                if (api == null) {
                    continue;
                }
                for (String reference : references(api)) {
                    visit(path, reference, found, seen, paths);
                }
            }
        }
        return found;
    }

    private static void visit(List<String> path, String reference, List<String> found, Set<String> seen,
                              Deque<List<String>> paths) {
        for (String forbidden : FORBIDDEN) {
            int at = reference.indexOf(forbidden);
            if (at >= 0) {
                int end = at;
                while (end < reference.length() && ";<>.(): ".indexOf(reference.charAt(end)) < 0) {
                    end++;
                }
                found.add(String.join(" -> ", path) + " -> " + reference.substring(at, end));
                return;
            }
        }
        int at = reference.indexOf(API);
        while (at >= 0) {
            int end = at;
            while (end < reference.length() && ";<>.():[ ".indexOf(reference.charAt(end)) < 0) {
                end++;
            }
            String type = reference.substring(at, end);
            if (!type.equals(ENTRY_POINT) && seen.add(type)) {
                List<String> next = new ArrayList<>(path);
                next.add(type);
                paths.add(next);
            }
            at = reference.indexOf(API, end);
        }
    }

    /** The UTF-8 constants of a class file: class names, descriptors, signatures (and string literals). */
    private static Set<String> references(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        Set<String> utf8 = new LinkedHashSet<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8.add(in.readUTF());
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return utf8;
    }
}
