package org.anytls4j.transport.anytls.tls;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.anytls4j.api.InvalidSettingException;
import org.slf4j.Logger;

/**
 * Where the self-signed certificate of an {@code anytls} inbound without a certificate of its own is kept, so that its
 * public-key pin survives restarts (issue 10): {@code <data_directory>/certificates/<tag>/cert.pem} and
 * {@code key.pem} (PKCS#8), the directory readable by the owner only. The first start generates and saves them; every
 * later start loads them with the JDK (no BouncyCastle). Two processes starting at once cannot both win: the pair is
 * written to a private temporary directory renamed into place in one step, and the loser loads the winner's pair.
 *
 * <p>A pair that cannot be read, or whose key does not belong to its certificate, is an error naming the file: it is
 * never replaced silently, since a new certificate breaks every client pinning the old one.
 *
 * <h2>Threading</h2>
 * Stateless; {@link #load} reads and writes files: call it at start-up, never on an event loop.
 */
final class GeneratedCertificateStore {
    static final String CERTIFICATE_FILE = "cert.pem";
    static final String KEY_FILE = "key.pem";
    /** The name the generated certificate is issued for (with its alternative names localhost and 127.0.0.1). */
    private static final String NAME = "localhost";

    private GeneratedCertificateStore() {
    }

    /** A certificate and its key, as the server context takes them. */
    record Pair(X509Certificate certificate, PrivateKey key) {
    }

    /** The directory the pair of inbound {@code tag} is kept in, under {@code dataDirectory}. */
    static Path directory(Path dataDirectory, String tag) {
        return dataDirectory.resolve("certificates").resolve(tag.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /**
     * The pair saved for {@code tag}, generated and saved first if there is none; logs which it was with the pin.
     *
     * @param key the configuration key errors name, e.g. {@code tls.data_directory}
     * @throws InvalidSettingException naming the file when a saved pair cannot be used or a new one cannot be saved
     */
    static Pair load(Path dataDirectory, String tag, Logger log, String key) {
        requireNonNull(tag, "tag");
        Path directory = directory(dataDirectory, tag).toAbsolutePath().normalize();
        if (!Files.exists(directory.resolve(CERTIFICATE_FILE)) && !Files.exists(directory.resolve(KEY_FILE))) {
            SelfSignedCertificate generated = SelfSignedCertificate.generate(NAME);
            if (save(generated, directory, key)) {
                log.info("inbound={} generated a self-signed certificate (localhost, 127.0.0.1), saved to {};"
                        + " pin: tls.certificate_public_key_sha256 = {}", tag, directory, generated.publicKeyPin());
                return new Pair(generated.certificate(), generated.keyPair().getPrivate());
            }
        }
        Pair pair = read(directory, key);
        log.info("inbound={} loaded the generated certificate from {}; pin: tls.certificate_public_key_sha256 = {}",
                tag, directory,
                ClientTlsContext.publicKeySha256(pair.certificate()));
        return pair;
    }

    /** Saves the pair; false when another process saved one first (it is then read instead). */
    private static boolean save(SelfSignedCertificate generated, Path directory, String key) {
        Path temporary = null;
        try {
            Path parent = directory.getParent();
            Files.createDirectories(parent);
            temporary = createPrivateDirectory(parent.resolve("." + directory.getFileName() + ".tmp-"
                    + ProcessHandle.current().pid() + "-" + System.nanoTime()));
            SelfSignedCertificate.writePrivate(temporary.resolve(KEY_FILE), generated.privateKeyPem());
            SelfSignedCertificate.writePrivate(temporary.resolve(CERTIFICATE_FILE), generated.certificatePem());
            try {
                Files.move(temporary, directory, StandardCopyOption.ATOMIC_MOVE);
                temporary = null;
                return true;
            } catch (IOException e) {
                if (Files.exists(directory.resolve(CERTIFICATE_FILE)) || Files.exists(directory.resolve(KEY_FILE))) {
                    return false; // another process saved its pair first (rename(2) refuses a non-empty target)
                }
                throw e;
            }
        } catch (IOException e) {
            throw new InvalidSettingException(null, key, "cannot save the generated certificate to " + directory
                    + ": " + ClientTlsSettings.readFailure(e) + " (set " + key + " to a writable directory, or"
                    + " configure tls.certificate_path and tls.key_path)");
        } finally {
            if (temporary != null) {
                deleteQuietly(temporary);
            }
        }
    }

    private static Pair read(Path directory, String key) {
        Path certificateFile = directory.resolve(CERTIFICATE_FILE);
        Path keyFile = directory.resolve(KEY_FILE);
        X509Certificate certificate;
        try {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(Files.readAllBytes(certificateFile)));
        } catch (IOException e) {
            throw corrupt(key, certificateFile, ClientTlsSettings.readFailure(e));
        } catch (CertificateException | ClassCastException e) {
            throw corrupt(key, certificateFile, "not a PEM X.509 certificate");
        }
        PrivateKey privateKey;
        try {
            privateKey = Pem.privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw corrupt(key, keyFile, ClientTlsSettings.readFailure(e));
        } catch (Pem.PemException e) {
            throw corrupt(key, keyFile, e.getMessage());
        }
        if (!KeyPairs.matches(privateKey, certificate.getPublicKey())) {
            throw corrupt(key, keyFile, "the key does not belong to " + certificateFile);
        }
        return new Pair(certificate, privateKey);
    }

    private static InvalidSettingException corrupt(String key, Path file, String reason) {
        return new InvalidSettingException(null, key, "cannot use the generated certificate saved in " + file + ": "
                + reason + ". Restore the file, or delete " + file.getParent() + " to generate a new certificate"
                + " (its pin changes: pinned clients must be given the new one)");
    }

    private static Path createPrivateDirectory(Path directory) throws IOException {
        try {
            return Files.createDirectory(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            return Files.createDirectory(directory);
        }
    }

    private static void deleteQuietly(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless: its name starts with a dot
        }
    }

    /**
     * The default data directory: {@code $ANYTLS4J_HOME/state} for the distribution (bin/anytls4j passes
     * {@code -Danytls4j.home}), else {@code $XDG_STATE_HOME/anytls4j}, else {@code ~/.local/state/anytls4j}.
     */
    static Path defaultDirectory(Map<String, String> properties, Map<String, String> environment) {
        String home = properties.get("anytls4j.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "state");
        }
        String xdg = environment.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "anytls4j");
        }
        return Path.of(properties.getOrDefault("user.home", "."), ".local", "state", "anytls4j");
    }
}
