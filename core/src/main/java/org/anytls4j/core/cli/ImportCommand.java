package org.anytls4j.core.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.anytls4j.api.ConfigImporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j import mihomo FILE [-o OUT]}: converts another product's configuration into anytls4j's, through
 * the {@link ConfigImporter} a plugin contributes for that format (the anytls transport plugin's {@code mihomo}).
 * This command reads the input, prints the result, its warnings and what was skipped, and writes the output file;
 * the conversion is the importer's. Nothing here touches the network.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Convert another product's configuration into anytls4j outbound blocks.",
        subcommands = ImportCommand.Mihomo.class)
final class ImportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    private final Launcher launcher;

    ImportCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing what to import from: mihomo");
    }

    /** The help's footer: the importers the plugins contribute, each with its description. */
    static String[] installedImporters(Map<String, ConfigImporter> importers) {
        List<String> lines = new ArrayList<>(List.of(""));
        if (importers.isEmpty()) {
            lines.add("No importer is installed (the anytls transport plugin contributes '" + Mihomo.FORMAT + "').");
        } else {
            lines.add("Installed importers:");
            importers.forEach((format, importer) -> lines.add("  " + format + ": " + importer.description()));
        }
        return lines.toArray(String[]::new);
    }

    /** {@code import mihomo}: runs the contributed importer of format {@value #FORMAT}. */
    @Command(name = "mihomo", mixinStandardHelpOptions = true, description = {
        "Convert the 'type: anytls' proxies of a mihomo (Clash.Meta) YAML file, or one proxy entry given with"
            + " --proxy, into outbound blocks (HOCON, the shape of sing-box's), printed on stdout or written to"
            + " -o FILE, ready for `anytls4j check`.",
        "mihomo's seconds become durations (idle-session-timeout: 30 -> idle_session_timeout = 30s); keys with no"
            + " equivalent, proxies of other types, proxy-groups and rules are listed on stderr."})
    static final class Mihomo implements Callable<Integer> {
        /** The importer's format name ({@link ConfigImporter#format()}). */
        static final String FORMAT = "mihomo";

        @Spec
        CommandSpec spec;

        @ParentCommand
        ImportCommand parent;

        @Parameters(paramLabel = "FILE", arity = "0..1", description = "The mihomo configuration (YAML), or a file"
                + " holding proxy entries.")
        Path file;

        @Option(names = "--proxy", paramLabel = "ENTRY", description = "One proxy entry as mihomo writes it under"
                + " proxies:, instead of FILE, e.g. --proxy '{name: hk, type: anytls, server: example.com, port: 443,"
                + " password: PASS}'.")
        String proxy;

        @Option(names = {"-o", "--output"}, paramLabel = "OUT",
                description = "Write the blocks to OUT instead of stdout (an existing file is not overwritten).")
        Path output;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            if ((file == null) == (proxy == null)) {
                throw new ParameterException(spec.commandLine(), file == null
                        ? "missing what to import: FILE or --proxy ENTRY" : "give FILE or --proxy ENTRY, not both");
            }
            ConfigImporter importer = parent.launcher.contributions().importers().get(FORMAT);
            if (importer == null) {
                err.println("error: import " + FORMAT + ": the anytls transport plugin, which contributes the '"
                        + FORMAT + "' importer, is not installed in " + parent.launcher.location());
                err.flush();
                return ExitCodes.FAILURE;
            }
            ConfigImporter.Result result;
            try {
                result = file != null ? convert(importer, file) : importer.convert("the --proxy entry",
                        "a " + FORMAT + " proxy entry", new StringReader(proxy));
            } catch (ConfigImporter.ImportException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return ExitCodes.INVALID;
            }
            result.warnings().forEach(w -> err.println("warning: " + w));
            if (!result.skipped().isEmpty()) {
                err.println("skipped " + result.skipped().size() + " proxies that are not anytls: "
                        + String.join(", ", result.skipped()));
            }
            if (output == null) {
                spec.commandLine().getOut().print(result.config());
                spec.commandLine().getOut().flush();
            } else {
                try {
                    Files.writeString(output, result.config(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
                } catch (IOException e) {
                    err.println("error: " + output + ": " + (Files.exists(output) ? "exists; not overwritten"
                            : "cannot write: " + e.getMessage()));
                    err.flush();
                    return ExitCodes.FAILURE;
                }
                err.println("wrote " + output + "; check it with: anytls4j check -c " + output);
            }
            err.flush();
            return ExitCodes.OK;
        }

        /** Reads {@code file} and converts it; a file that cannot be opened is the importer's kind of refusal. */
        private static ConfigImporter.Result convert(ConfigImporter importer, Path file)
                throws ConfigImporter.ImportException {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                return importer.convert(file.toString(), file.getFileName().toString(), reader);
            } catch (IOException e) {
                throw new ConfigImporter.ImportException(file + ": cannot read: " + e.getMessage(), e);
            }
        }
    }
}
