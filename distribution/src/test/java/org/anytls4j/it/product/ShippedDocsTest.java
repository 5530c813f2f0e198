package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The distribution ships the user documentation ({@code docs/}, with the systemd unit), and what users read cites
 * only documents that ship: every {@code NAME.md} named in a shipped file (configurations, docs, scripts, and inside
 * our own jars the reference.conf files and the class files' string constants, i.e. log and error messages) is a
 * file of the shipped tree; a quoted section after it ({@code docs/POOL.md, "min_idle_session"}) is a heading of
 * that document; a link's {@code #anchor} is the anchor of one of its headings; and no citation uses the numbered
 * sections of the developers' spec ({@code POOL.md section 6}, {@code POOL.md 8.2}), which does not ship.
 */
@Timeout(60)
class ShippedDocsTest {
    /** What docs/ must hold; each is a copy of the repository's file of the same path. */
    private static final List<String> SHIPPED = List.of("docs/CONFIGURATION.md", "docs/POOL.md", "docs/PROTOCOL.md",
            "docs/TROUBLESHOOTING.md", "docs/RELIABILITY.md", "docs/PLUGINS.md", "docs/BENCHMARKS.md",
            "docs/systemd/anytls4j.service");

    /** A document name, with the path in front of it ({@code docs/}, {@code ../shared/spec/}) if any. */
    private static final Pattern DOCUMENT = Pattern.compile("((?:[\\w.-]+/)*)([A-Z][A-Z0-9_]*\\.md)");
    /** What may follow a document name: a Markdown link target, then a quoted section or a section number. */
    private static final Pattern LINK = Pattern.compile("\\G\\]\\(([^)\\s#]*)(?:#([^)\\s]*))?\\)");
    private static final Pattern QUOTED_SECTION = Pattern.compile("\\G,\\s*\"([^\"]+)\"");
    private static final Pattern NUMBERED_SECTION = Pattern.compile("\\G(?:\\s+sections?)?\\s+\\d");
    /** A link to an anchor of a document: {@code (POOL.md#profiles)}, {@code (docs/POOL.md#share-links)}. */
    private static final Pattern ANCHOR_LINK = Pattern.compile("\\]\\(((?:[\\w.-]+/)*[\\w.-]+\\.md)#([^)\\s]+)\\)");
    /** A link to a heading of the same document: {@code [Profiles](#profiles)}. */
    private static final Pattern LOCAL_ANCHOR = Pattern.compile("\\]\\(#([^)\\s]+)\\)");
    /** Where the systemd unit expects the distribution, as a path without its leading slash. */
    private static final String INSTALL_DIR = "opt/anytls4j/";
    /** The systemd unit's Documentation= files, installed under /opt/anytls4j. */
    private static final Pattern INSTALLED = Pattern.compile("file:///opt/anytls4j/(\\S+)");

    @Test
    void theTreeShipsTheDocsAndTheSystemdUnit() throws IOException {
        Path home = Distribution.home();
        for (String doc : SHIPPED) {
            Path shipped = home.resolve(doc);
            assertThat(shipped).as(doc + " in the distribution").isRegularFile();
            assertThat(Files.readString(shipped)).as(doc + " is the repository's")
                    .isEqualTo(Files.readString(Distribution.sourceRoot().resolve(doc)));
        }
    }

    @Test
    void theTarballShipsThemToo() throws IOException {
        Path tarball = Distribution.home().resolveSibling(Distribution.home().getFileName() + ".tar.gz");
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = new String(header, 0, 100, StandardCharsets.US_ASCII).replaceAll("\\x00.*", "");
                long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.US_ASCII)
                        .replaceAll("[\\x00 ]", ""), 8);
                byte[] data = in.readNBytes((int) size);
                in.readNBytes((int) ((512 - size % 512) % 512));
                entries.put(name, data);
            }
        }
        String base = Distribution.home().getFileName() + "/";
        for (String doc : SHIPPED) {
            assertThat(entries).as(tarball + " holds " + base + doc).containsKey(base + doc);
            assertThat(entries.get(base + doc)).as(base + doc)
                    .isEqualTo(Files.readAllBytes(Distribution.sourceRoot().resolve(doc)));
        }
    }

    @Test
    void everyCitationInTheShippedTreeResolvesToAShippedDocumentAndSection() throws IOException {
        Path home = Distribution.home();
        Docs docs = new Docs(home);
        List<String> problems = new ArrayList<>();
        int files = 0;
        try (Stream<Path> tree = Files.walk(home)) {
            for (Path file : tree.filter(Files::isRegularFile).sorted().toList()) {
                String name = home.relativize(file).toString();
                if (name.startsWith("lib/cds/")) {
                    // the class-data archive: made by the installation, not shipped, and binary; the classes whose
                    // text it holds are scanned in their jars
                    continue;
                }
                if (name.endsWith(".jar") || name.endsWith(".tar.gz")) {
                    if (file.getFileName().toString().startsWith("anytls4j-")) {
                        files += scanJar(file, name, docs, problems);
                    }
                    continue;
                }
                files++;
                String text = text(Files.readAllBytes(file));
                problems.addAll(docs.problems(name, file.getParent(), text));
                if (name.endsWith(".md")) {
                    Matcher local = LOCAL_ANCHOR.matcher(text);
                    while (local.find()) {
                        if (!docs.anchors(file).contains(local.group(1))) {
                            problems.add(name + ": links " + local.group(0) + ": no such heading");
                        }
                    }
                }
            }
        }
        assertThat(files).as("files scanned").isGreaterThan(100);
        assertThat(problems).as("citations of documents or sections that are not shipped").isEmpty();
    }

    @Test
    void theReadmeLinksToDocsThatShip() throws IOException {
        Path readme = Distribution.sourceRoot().resolve("README.md");
        Docs docs = new Docs(Distribution.home());
        List<String> problems = new ArrayList<>();
        Matcher links = Pattern.compile("\\]\\((docs/[^)\\s#]+)(?:#([^)\\s]+))?\\)").matcher(Files.readString(readme));
        int count = 0;
        while (links.find()) {
            count++;
            Path target = Distribution.home().resolve(links.group(1));
            if (!Files.isRegularFile(target)) {
                problems.add("README.md links " + links.group(1) + ", which the distribution does not ship");
            } else if (links.group(2) != null && !docs.anchors(target).contains(links.group(2))) {
                problems.add("README.md links " + links.group(0) + ": no such heading");
            }
        }
        assertThat(count).as("links from README.md to docs/").isGreaterThanOrEqualTo(5);
        assertThat(problems).isEmpty();
    }

    /** The checker itself: what it must refuse, and what it must accept. */
    @Test
    void theCheckerRefusesUnshippedDocumentsAndSections() {
        Docs docs = new Docs(Distribution.home());
        Path conf = Distribution.home().resolve("conf");
        assertThat(docs.problems("a", conf, "replaced by 30s with a warning (POOL.md section 6)")).hasSize(1);
        assertThat(docs.problems("a", conf, "re-created in the same run (POOL.md 8.2); set")).hasSize(1);
        assertThat(docs.problems("a", conf, "the padding scheme (PADDING.md), as a list")).hasSize(1);
        assertThat(docs.problems("a", conf, "Semantics: ../shared/spec/POOL.md sections 2-8.")).hasSize(1);
        assertThat(docs.problems("a", conf, "(docs/POOL.md, \"no such key\")")).hasSize(1);
        assertThat(docs.problems("a", conf, "see [POOL.md](docs/POOL.md#no-such-heading)")).hasSize(1);
        assertThat(docs.problems("a", conf, "Documentation=file:///opt/anytls4j/docs/NOPE.txt")).hasSize(1);

        assertThat(docs.problems("a", conf, "(docs/POOL.md, \"min_idle_session\"), (docs/POOL.md, \"heartbeat\")"))
                .isEmpty();
        assertThat(docs.problems("a", conf, "[POOL.md](POOL.md), \"`stream_open_timeout`\" and docs/PROTOCOL.md"))
                .isEmpty();
        assertThat(docs.problems("a", conf, "[the pool](docs/POOL.md#session-creation-back-off)")).isEmpty();
    }

    private static int scanJar(Path jar, String name, Docs docs, List<String> problems) throws IOException {
        int entries = 0;
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry entry = all.nextElement();
                if (entry.isDirectory() || entry.getName().startsWith("META-INF/maven/")) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    entries++;
                    problems.addAll(docs.problems(name + "!/" + entry.getName(), null, text(in.readAllBytes())));
                }
            }
        }
        return entries;
    }

    /** Bytes as text, one char per byte: class files hold their strings as (modified) UTF-8, ASCII for ours. */
    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The shipped documents' headings, and the rules a citation must follow. */
    private static final class Docs {
        private final Path home;
        private final Map<Path, Set<String>> headings = new HashMap<>();
        private final Map<Path, Set<String>> anchors = new HashMap<>();

        Docs(Path home) {
            this.home = home;
        }

        /** Every problem with the citations in {@code text}, read from {@code source} in directory {@code dir}. */
        List<String> problems(String source, Path dir, String text) {
            List<String> problems = new ArrayList<>();
            Matcher document = DOCUMENT.matcher(text);
            while (document.find()) {
                String cited = document.group(1) + document.group(2);
                Path target = resolve(dir, document.group(1), document.group(2));
                if (target == null) {
                    problems.add(source + ": cites " + cited + ", which the distribution does not ship");
                    continue;
                }
                int end = document.end();
                Matcher link = LINK.matcher(text).region(end, text.length());
                if (link.lookingAt()) {
                    end = link.end();
                }
                Matcher number = NUMBERED_SECTION.matcher(text).region(end, text.length());
                if (number.lookingAt()) {
                    problems.add(source + ": cites a numbered section of " + cited + " (" + line(text, end)
                            + "); the shipped docs have named sections: " + cited + ", \"<heading>\"");
                }
                Matcher quoted = QUOTED_SECTION.matcher(text).region(end, text.length());
                // "{}" is a log message's placeholder, filled with a key name at run time
                if (quoted.lookingAt() && !quoted.group(1).equals("{}")
                        && !headings(target).contains(unquote(quoted.group(1)))) {
                    problems.add(source + ": cites " + cited + ", \"" + quoted.group(1) + "\": no such heading in "
                            + home.relativize(target));
                }
            }
            Matcher anchor = ANCHOR_LINK.matcher(text);
            while (anchor.find()) {
                int slash = anchor.group(1).lastIndexOf('/');
                Path target = resolve(dir, anchor.group(1).substring(0, slash + 1),
                        anchor.group(1).substring(slash + 1));
                if (target != null && !anchors(target).contains(anchor.group(2))) {
                    problems.add(source + ": links " + anchor.group(0) + ": no such heading");
                }
            }
            Matcher installed = INSTALLED.matcher(text);
            while (installed.find()) {
                if (!Files.isRegularFile(home.resolve(installed.group(1)))) {
                    problems.add(source + ": refers to " + installed.group(0) + ", which the distribution lacks");
                }
            }
            return problems;
        }

        /**
         * The cited file in the shipped tree, or null: relative to the citing file, the tree, or docs/; a path
         * under /opt/anytls4j (where the systemd unit expects the tree) is a path in the tree.
         */
        private Path resolve(Path dir, String path, String name) {
            if (path.startsWith(INSTALL_DIR)) {
                path = path.substring(INSTALL_DIR.length());
                dir = null;
            }
            List<Path> candidates = new ArrayList<>();
            if (dir != null) {
                candidates.add(dir.resolve(path + name));
            }
            candidates.add(home.resolve(path + name));
            if (path.isEmpty()) {
                candidates.add(home.resolve("docs").resolve(name));
            }
            return candidates.stream().map(Path::normalize)
                    .filter(p -> p.startsWith(home.normalize()) && Files.isRegularFile(p)).findFirst().orElse(null);
        }

        /** Heading texts without backticks, and each name of a heading that lists several ("`a`, `b`"). */
        Set<String> headings(Path doc) {
            return headings.computeIfAbsent(doc, d -> {
                Set<String> names = new LinkedHashSet<>();
                for (String heading : headingLines(d)) {
                    names.add(unquote(heading));
                    for (String part : heading.split(",\\s*")) {
                        names.add(unquote(part));
                    }
                }
                return names;
            });
        }

        /** GitHub's anchors of the document's headings. */
        Set<String> anchors(Path doc) {
            return anchors.computeIfAbsent(doc, d -> {
                Set<String> slugs = new LinkedHashSet<>();
                for (String heading : headingLines(d)) {
                    slugs.add(heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
                }
                return slugs;
            });
        }

        private static List<String> headingLines(Path doc) {
            try {
                List<String> headings = new ArrayList<>();
                boolean code = false;
                for (String line : Files.readAllLines(doc)) {
                    if (line.startsWith("```")) {
                        code = !code;
                    } else if (!code && line.startsWith("#")) {
                        headings.add(line.replaceFirst("^#+\\s*", "").strip());
                    }
                }
                return headings;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String unquote(String s) {
            return s.replace("`", "").strip();
        }

        private static String line(String text, int at) {
            int start = text.lastIndexOf('\n', at) + 1;
            int end = text.indexOf('\n', at);
            return text.substring(start, end < 0 ? text.length() : end).strip();
        }
    }
}
