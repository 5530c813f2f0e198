package org.anytls4j.transport.anytls.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.anytls4j.api.Tool;
import org.anytls4j.transport.anytls.tls.SelfSignedCertificate;

/**
 * {@code anytls4j generate certificate} (the launcher's {@code generate certificate} hands its options to this tool,
 * and so does the embedded default of {@code anytls4j run}): writes a {@link SelfSignedCertificate} to
 * {@code cert.pem} and its PKCS#8 key to {@code key.pem} (readable by the owner only) and prints the public-key pin.
 * Existing files are never overwritten. TLS belongs to the transport: the host needs no BouncyCastle for this.
 *
 * <h2>Threading</h2>
 * Stateless; runs on the launcher's thread.
 */
public final class CertificateTool implements Tool {
    /** The tool's name, as the launcher looks it up. */
    public static final String NAME = "certificate";
    static final String CERTIFICATE_FILE = "cert.pem";
    static final String KEY_FILE = "key.pem";
    private static final String USAGE = "usage: generate certificate [--out-dir DIR] [--name NAME]";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Write a self-signed ECDSA P-256 certificate (cert.pem) and its key (key.pem) and print the pin"
                + " (as 'generate certificate').";
    }

    @Override
    public int run(List<String> args, PrintWriter out, PrintWriter err) {
        try {
            if (args.contains("-h") || args.contains("--help")) {
                out.println(USAGE);
                out.println(description());
                return 0;
            }
            Path outDir = Path.of(".");
            String name = "localhost";
            for (int i = 0; i < args.size(); i += 2) {
                if (i + 1 >= args.size()) {
                    err.println(USAGE);
                    return 2;
                }
                switch (args.get(i)) {
                    case "--out-dir" -> outDir = Path.of(args.get(i + 1));
                    case "--name" -> name = args.get(i + 1);
                    default -> {
                        err.println(USAGE);
                        return 2;
                    }
                }
            }
            if (name.isBlank()) {
                err.println("generate certificate: --name: the certificate name must not be empty");
                return 2;
            }
            return write(SelfSignedCertificate.generate(name), outDir, out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int write(SelfSignedCertificate generated, Path outDir, PrintWriter out, PrintWriter err) {
        Path certificate = outDir.resolve(CERTIFICATE_FILE).toAbsolutePath().normalize();
        Path key = outDir.resolve(KEY_FILE).toAbsolutePath().normalize();
        for (Path file : new Path[] {certificate, key}) {
            if (Files.exists(file)) {
                err.println("generate certificate: " + file + " exists; not overwritten (choose --out-dir)");
                return 1;
            }
        }
        try {
            Files.createDirectories(outDir);
            SelfSignedCertificate.writePrivate(key, generated.privateKeyPem());
            Files.writeString(certificate, generated.certificatePem(), StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            err.println("generate certificate: " + reason(e));
            return 1;
        }
        String pin = generated.publicKeyPin();
        out.println("certificate: " + certificate);
        out.println("private key: " + key);
        out.println("certificate_public_key_sha256: " + pin);
        out.println();
        out.println("server:  tls { certificate_path = \"" + certificate + "\", key_path = \"" + key + "\" }");
        out.println("client:  tls { certificate_public_key_sha256 = \"" + pin + "\" }");
        out.println("         or: anytls4j client ... --pin " + pin);
        return 0;
    }

    /** The failure in words, without a Java class name. */
    static String reason(IOException e) {
        String prefix = e instanceof NoSuchFileException ? "no such file or directory: "
                : e instanceof AccessDeniedException ? "permission denied: "
                : e instanceof FileAlreadyExistsException ? "already exists: "
                : e instanceof NotDirectoryException ? "not a directory: "
                : "";
        return prefix + e.getMessage();
    }
}
