package org.anytls4j.transport.anytls.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM text read with the JDK alone: the blocks of a file, and a private key from an unencrypted PKCS#8 block
 * ({@code BEGIN PRIVATE KEY}) with the JDK's {@link KeyFactory}. BouncyCastle ({@link LegacyPemKeys}) is loaded only
 * for the legacy OpenSSL forms the JDK cannot read, PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * ({@code BEGIN EC PRIVATE KEY}), so that a server with a PKCS#8 key starts without loading BouncyCastle.
 *
 * <h2>Threading</h2>
 * Stateless.
 */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END \\1-----", Pattern.DOTALL);
    /** Key algorithms tried on a PKCS#8 key, most common first; the JDK refuses a key of another algorithm. */
    private static final List<String> ALGORITHMS = List.of("EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS", "DSA");

    private Pem() {
    }

    /** One PEM block: its label ({@code PRIVATE KEY}), its headers ({@code Proc-Type: ...}) and its DER bytes. */
    record Block(String label, String headers, byte[] der) {
    }

    /** Thrown when the text is not PEM or a block cannot be decoded; the message is in an operator's words. */
    static final class PemException extends Exception {
        PemException(String message) {
            super(message);
        }
    }

    /** {@code der} as one PEM block with 64-character lines, ending with a newline. */
    static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** The blocks of {@code text}, in order; empty when there is none. */
    static List<Block> blocks(String text) throws PemException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            StringBuilder headers = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : m.group(2).split("\\R")) {
                if (body.length() == 0 && line.indexOf(':') >= 0) {
                    headers.append(line).append('\n'); // RFC 1421 headers, e.g. Proc-Type: 4,ENCRYPTED
                } else {
                    body.append(line.strip());
                }
            }
            try {
                blocks.add(new Block(m.group(1), headers.toString(), Base64.getDecoder().decode(body.toString())));
            } catch (IllegalArgumentException e) {
                throw new PemException("it is not valid PEM (bad base64 in the " + m.group(1) + " block)");
            }
        }
        if (blocks.isEmpty() && text.contains("-----BEGIN ")) {
            throw new PemException("it is not valid PEM");
        }
        return blocks;
    }

    /**
     * The unencrypted private key in {@code text}: PKCS#8 through the JDK, PKCS#1 or SEC1 through BouncyCastle.
     *
     * @throws PemException naming what was found instead, in words
     */
    static PrivateKey privateKey(String text) throws PemException {
        List<Block> blocks = blocks(text);
        for (Block block : blocks) {
            switch (block.label()) {
                case "PRIVATE KEY":
                    return pkcs8(block.der());
                case "RSA PRIVATE KEY", "EC PRIVATE KEY":
                    if (block.headers().contains("ENCRYPTED")) {
                        throw new PemException("expected an unencrypted private key, found " + ENCRYPTED);
                    }
                    return LegacyPemKeys.privateKey(text);
                case "EC PARAMETERS":
                    continue; // openssl ecparam -genkey writes the curve before the key
                default:
                    throw new PemException("expected an unencrypted private key, found " + describe(block.label()));
            }
        }
        throw new PemException("no PEM object found (expected -----BEGIN PRIVATE KEY-----)");
    }

    private static final String ENCRYPTED =
            "an encrypted private key (decrypt it first: openssl pkey -in key.pem -out key-plain.pem)";

    /** What a PEM block that is not an unencrypted private key is, in words. */
    static String describe(String label) {
        return switch (label) {
            case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE" ->
                    "a certificate (is key_path pointing at the certificate file?)";
            case "ENCRYPTED PRIVATE KEY" -> ENCRYPTED;
            case "PUBLIC KEY", "RSA PUBLIC KEY" -> "a public key";
            default -> "a PEM object of another kind (" + label + ")";
        };
    }

    private static PrivateKey pkcs8(byte[] der) throws PemException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm (or not supported by this JDK): try the next
            }
        }
        throw new PemException("the PKCS#8 key is of an algorithm this Java cannot read (RSA, EC, Ed25519 are)");
    }
}
