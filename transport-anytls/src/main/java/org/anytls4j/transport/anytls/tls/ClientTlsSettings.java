package org.anytls4j.transport.anytls.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.anytls4j.api.InvalidSettingException;

/**
 * The {@code tls { ... }} block of an {@code anytls} outbound (sing-box names; defaults and documentation in
 * {@code anytls-client.conf}), read once at start-up.
 *
 * <h2>Verification</h2>
 * On by default against the system trust store. {@code certificate} (inline PEM, a string or a list of lines)
 * or {@code certificate_path} (a PEM file) replace the trust store with the given CA or server certificates.
 * {@code certificate_public_key_sha256} pins the server: the base64 SHA-256 of the leaf certificate's
 * SubjectPublicKeyInfo must be one of the listed values, and then no CA is consulted (sing-box does the same).
 * {@code insecure = true} skips verification entirely. A server named by an IP address with none of these is
 * refused at load time (as the {@code client} command's flags are): public CAs rarely name an IP, so every
 * handshake would fail with a PKIX error.
 *
 * @param serverName   the name to verify and to send as SNI; an IP literal is verified but never sent as SNI
 * @param insecure     skip certificate verification
 * @param certificatePem PEM text of trusted certificates, or null for the system trust store
 * @param pinnedKeys   SHA-256 digests (32 bytes each) of accepted SubjectPublicKeyInfo, empty when not pinning
 * @param alpn         ALPN protocols to offer, empty to send no ALPN extension
 * @param protocols    allowed TLS protocol names ({@code TLSv1.2}, {@code TLSv1.3}), empty for the engine's
 */
public record ClientTlsSettings(String serverName, boolean insecure, String certificatePem,
        List<byte[]> pinnedKeys, List<String> alpn, List<String> protocols) {
    public ClientTlsSettings {
        pinnedKeys = List.copyOf(pinnedKeys);
        alpn = List.copyOf(alpn);
        protocols = List.copyOf(protocols);
    }

    /** True when {@link #serverName} is sent as SNI (it is a DNS name, not an IP literal). */
    public boolean sendsSni() {
        return !NetUtil.isValidIpV4Address(serverName) && !NetUtil.isValidIpV6Address(serverName);
    }

    /**
     * Reads the {@code tls} block of an outbound.
     *
     * @param tls    the block, defaults applied
     * @param server the outbound's {@code server}, the default server name
     * @param prefix the key prefix for errors, {@code tls.}
     * @throws InvalidSettingException naming the key of a bad value
     */
    public static ClientTlsSettings parse(Config tls, String server, String prefix) {
        if (!tls.getBoolean("enabled")) {
            throw new InvalidSettingException(tls.getValue("enabled").origin(), prefix + "enabled",
                    "must be true: an anytls outbound always runs over TLS (sing-box requires it too)");
        }
        String serverName = server;
        if (tls.hasPath("server_name") && !tls.getString("server_name").isEmpty()) {
            serverName = tls.getString("server_name");
        }
        boolean insecure = tls.getBoolean("insecure");
        String inline = tls.hasPath("certificate") ? joinedLines(tls, "certificate", prefix) : null;
        String path = tls.hasPath("certificate_path") ? tls.getString("certificate_path") : null;
        if (inline != null && path != null) {
            throw new InvalidSettingException(tls.getValue("certificate_path").origin(), prefix + "certificate_path",
                    "give either certificate or certificate_path, not both");
        }
        String pem = inline;
        if (path != null) {
            try {
                pem = Files.readString(Path.of(path), StandardCharsets.US_ASCII);
            } catch (IOException | RuntimeException e) {
                throw new InvalidSettingException(tls.getValue("certificate_path").origin(),
                        prefix + "certificate_path", "cannot read '" + path + "': " + readFailure(e));
            }
        }
        if (pem != null && !pem.contains("-----BEGIN CERTIFICATE-----")) {
            String key = inline != null ? "certificate" : "certificate_path";
            throw new InvalidSettingException(tls.getValue(key).origin(), prefix + key,
                    "must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        List<byte[]> pins = new ArrayList<>();
        for (String pin : stringOrList(tls, "certificate_public_key_sha256", prefix)) {
            byte[] digest;
            try {
                digest = Base64.getDecoder().decode(pin.trim());
            } catch (IllegalArgumentException e) {
                digest = null;
            }
            if (digest == null || digest.length != 32) {
                throw new InvalidSettingException(tls.getValue("certificate_public_key_sha256").origin(),
                        prefix + "certificate_public_key_sha256",
                        "each value must be the base64 of a 32-byte SHA-256 digest, was '" + pin + "'");
            }
            pins.add(digest);
        }
        List<String> alpn = stringOrList(tls, "alpn", prefix);
        List<String> protocols = TlsVersions.protocols(tls, prefix);
        ClientTlsSettings settings = new ClientTlsSettings(serverName, insecure, pem, pins, alpn, protocols);
        if (!insecure && pins.isEmpty() && pem == null && !settings.sendsSni()) {
            boolean named = tls.hasPath("server_name") && !tls.getString("server_name").isEmpty();
            throw new InvalidSettingException(named ? tls.getValue("server_name").origin() : tls.origin(),
                    named ? prefix + "server_name" : "server", "cannot verify the server's certificate: '"
                            + serverName + "' is an IP address, which certificates from public CAs rarely name."
                            + " Set " + prefix + "certificate_public_key_sha256 (the pin an anytls server logs for"
                            + " the certificate it generated), " + prefix + "server_name (the name in its"
                            + " certificate), " + prefix + "certificate_path (its CA), or " + prefix
                            + "insecure = true to skip verification as the reference client does");
        }
        return settings;
    }

    /** Why a file could not be read, in words (no exception class names). */
    static String readFailure(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof MalformedInputException) {
            return "not a PEM text file";
        }
        return e.getMessage() == null ? "cannot be read" : e.getMessage();
    }

    /** A sing-box "listable" string: one string or a list of strings. */
    private static List<String> stringOrList(Config tls, String key, String prefix) {
        if (!tls.hasPath(key)) {
            return List.of();
        }
        ConfigValue value = tls.getValue(key);
        try {
            if (value.valueType() == ConfigValueType.LIST) {
                return tls.getStringList(key);
            }
            return List.of(tls.getString(key));
        } catch (ConfigException.WrongType e) {
            throw new InvalidSettingException(value.origin(), prefix + key, "must be a string or a list of strings");
        }
    }

    private static String joinedLines(Config tls, String key, String prefix) {
        return String.join("\n", stringOrList(tls, key, prefix));
    }
}
