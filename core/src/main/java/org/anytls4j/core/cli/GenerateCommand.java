package org.anytls4j.core.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import org.anytls4j.core.config.ConfigProblem;
import org.anytls4j.core.tls.GeneratedCertificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j generate password|certificate}: makes the secrets a deployment needs. Nothing here touches the
 * plugins or the network.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a password or a self-signed certificate with its pin.",
        subcommands = {GenerateCommand.Password.class, GenerateCommand.Certificate.class})
final class GenerateCommand implements Runnable {
    @Spec
    CommandSpec spec;

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

    /** {@code generate certificate}: writes {@code cert.pem} and {@code key.pem} and prints the pin. */
    @Command(name = "certificate", mixinStandardHelpOptions = true, description = {"Write a self-signed ECDSA P-256 certificate (cert.pem) and its "
            + "private key (key.pem, PKCS#8, readable by the owner only), and print its public-key pin:",
            "the value of a client's tls.certificate_public_key_sha256 or --pin. Existing files are not overwritten."})
    static final class Certificate implements Callable<Integer> {
        static final String CERTIFICATE_FILE = "cert.pem";
        static final String KEY_FILE = "key.pem";

        @Spec
        CommandSpec spec;

        @Option(names = "--out-dir", paramLabel = "DIR", description = "Where to write the files (default: .).")
        Path outDir = Path.of(".");

        @Option(names = "--name", paramLabel = "NAME",
                description = "Server name or IP the certificate names, next to localhost and 127.0.0.1 "
                        + "(default: localhost).")
        String name = "localhost";

        @Override
        public Integer call() {
            GeneratedCertificate generated;
            try {
                generated = GeneratedCertificate.forName(name);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--name: " + e.getMessage());
            }
            var err = spec.commandLine().getErr();
            Path certificate = outDir.resolve(CERTIFICATE_FILE).toAbsolutePath().normalize();
            Path key = outDir.resolve(KEY_FILE).toAbsolutePath().normalize();
            for (Path file : new Path[] {certificate, key}) {
                if (Files.exists(file)) {
                    err.println("generate certificate: " + file + " exists; not overwritten (choose --out-dir)");
                    err.flush();
                    return ExitCodes.FAILURE;
                }
            }
            try {
                Files.createDirectories(outDir);
                writePrivate(key, generated.privateKeyPem());
                Files.writeString(certificate, generated.certificatePem(), StandardOpenOption.CREATE_NEW);
            } catch (IOException e) {
                err.println("generate certificate: " + ConfigProblem.reason(e));
                err.flush();
                return ExitCodes.FAILURE;
            }
            var out = spec.commandLine().getOut();
            out.println("certificate: " + certificate);
            out.println("private key: " + key);
            out.println("certificate_public_key_sha256: " + generated.publicKeyPin());
            out.println();
            out.println("server:  tls { certificate_path = \"" + certificate + "\", key_path = \"" + key + "\" }");
            out.println("client:  tls { certificate_public_key_sha256 = \"" + generated.publicKeyPin() + "\" }");
            out.println("         or: anytls4j client ... --pin " + generated.publicKeyPin());
            out.flush();
            return ExitCodes.OK;
        }

        /** Creates {@code file} readable and writable by the owner only (where the file system has POSIX modes). */
        private static void writePrivate(Path file, String text) throws IOException {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, text, StandardOpenOption.TRUNCATE_EXISTING);
        }
    }
}
