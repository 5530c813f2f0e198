package org.anytls4j.core.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j import mihomo FILE [-o OUT]}: converts another product's configuration into anytls4j's. Nothing
 * here touches the plugins or the network; only {@code import mihomo} loads the YAML parser.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Convert another product's configuration into anytls4j outbound blocks.",
        subcommands = ImportCommand.Mihomo.class)
final class ImportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing what to import from: mihomo");
    }

    /** {@code import mihomo}: see {@link MihomoImport}. */
    @Command(name = "mihomo", mixinStandardHelpOptions = true, description = {
        "Convert the 'type: anytls' proxies of a mihomo (Clash.Meta) YAML file, or one proxy entry given with"
            + " --proxy, into outbound blocks (HOCON, the shape of sing-box's), printed on stdout or written to"
            + " -o FILE, ready for `anytls4j check`.",
        "mihomo's seconds become durations (idle-session-timeout: 30 -> idle_session_timeout = 30s); keys with no"
            + " equivalent, proxies of other types, proxy-groups and rules are listed on stderr."})
    static final class Mihomo implements Callable<Integer> {
        @Spec
        CommandSpec spec;

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
            MihomoImport result;
            try {
                result = file != null ? MihomoImport.convert(file) : MihomoImport.convertEntry(proxy);
            } catch (MihomoImport.ImportException e) {
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
    }
}
