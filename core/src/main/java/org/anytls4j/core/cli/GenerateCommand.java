package org.anytls4j.core.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.anytls4j.api.Tool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j generate password|certificate}: makes the secrets a deployment needs. The certificate is made by the
 * transport plugin's {@value #CERTIFICATE_TOOL} tool; nothing here touches the network.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a password or a self-signed certificate with its pin.",
        subcommands = {GenerateCommand.Password.class, GenerateCommand.Certificate.class})
final class GenerateCommand implements Runnable {
    /** The transport plugin's tool that {@code generate certificate} (and the embedded default) runs. */
    static final String CERTIFICATE_TOOL = "certificate";

    @Spec
    CommandSpec spec;

    private final Launcher launcher;

    GenerateCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing what to generate: password or certificate");
    }

    /** {@code generate password}: prints a new random password. */
    @Command(name = "password", mixinStandardHelpOptions = true, description = "Print a strong random password (256 bits, URL-safe base64).")
    static final class Password implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(Secrets.password());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    /**
     * {@code generate certificate}: writes {@code cert.pem} and {@code key.pem} and prints the pin, through the tool
     * the transport plugin contributes ({@value #CERTIFICATE_TOOL}): TLS belongs to the transport, and the host needs
     * no BouncyCastle.
     */
    @Command(name = "certificate", mixinStandardHelpOptions = true, description = {"Write a self-signed ECDSA P-256 certificate (cert.pem) and its "
            + "private key (key.pem, PKCS#8, readable by the owner only), and print its public-key pin:",
            "the value of a client's tls.certificate_public_key_sha256 or --pin. Existing files are not overwritten."})
    static final class Certificate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        GenerateCommand parent;

        @Option(names = "--out-dir", paramLabel = "DIR", description = "Where to write the files (default: .).")
        Path outDir = Path.of(".");

        @Option(names = "--name", paramLabel = "NAME",
                description = "Server name or IP the certificate names, next to localhost and 127.0.0.1 "
                        + "(default: localhost).")
        String name = "localhost";

        @Override
        public Integer call() {
            if (name.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--name: the certificate name must not be empty");
            }
            Tool tool = parent.launcher.contributions().tools().get(CERTIFICATE_TOOL);
            if (tool == null) {
                spec.commandLine().getErr().println("generate certificate: the anytls transport plugin, which makes"
                        + " certificates, is not installed in " + parent.launcher.location());
                spec.commandLine().getErr().flush();
                return ExitCodes.FAILURE;
            }
            return tool.run(List.of("--out-dir", outDir.toString(), "--name", name), spec.commandLine().getOut(),
                    spec.commandLine().getErr());
        }
    }
}
