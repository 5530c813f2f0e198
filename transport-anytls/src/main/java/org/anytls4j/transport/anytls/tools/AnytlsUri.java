package org.anytls4j.transport.anytls.tools;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code anytls://} share link (PROTOCOL.md section 16):
 * {@code anytls://[password@]host[:port][/][?sni=NAME&insecure=0|1][#tag]}.
 *
 * <p>The password is percent-decoded (the reference does not decode; we do, as the spec asks); the port
 * defaults to 443; an IPv6 host is written in brackets; unknown query parameters are ignored. An {@code sni}
 * that is an IP literal is kept as the server name, which the client verifies but never sends as SNI.
 *
 * @param password the decoded password, empty when the link has no userinfo
 * @param host     host name or IP literal, without brackets
 * @param port     1..65535
 * @param sni      the {@code sni} parameter, or null
 * @param insecure true for {@code insecure=1}
 * @param tag      the decoded fragment, or null
 */
public record AnytlsUri(String password, String host, int port, String sni, boolean insecure, String tag) {
    private static final String SCHEME = "anytls://";

    public AnytlsUri {
        requireNonNull(password, "password");
        requireNonNull(host, "host");
    }

    /**
     * The outbound block of this link, as {@code uri import} prints it: {@code type}, {@code tag} (the link's, else
     * {@code anytls}), {@code server}, {@code server_port}, {@code password} and {@code tls} ({@code enabled},
     * {@code server_name} when the link has {@code sni}, {@code insecure} when it says so). Mutable maps.
     */
    public Map<String, Object> toOutbound() {
        Map<String, Object> tls = new LinkedHashMap<>();
        tls.put("enabled", true);
        if (sni != null) {
            tls.put("server_name", sni);
        }
        if (insecure) {
            tls.put("insecure", true);
        }
        Map<String, Object> outbound = new LinkedHashMap<>();
        outbound.put("type", "anytls");
        outbound.put("tag", tag != null && !tag.isEmpty() ? tag : "anytls");
        outbound.put("server", host);
        outbound.put("server_port", port);
        outbound.put("password", password);
        outbound.put("tls", tls);
        return outbound;
    }

    /**
     * Parses a link.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static AnytlsUri parse(String link) {
        if (!link.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new IllegalArgumentException("not an anytls:// link");
        }
        String rest = link.substring(SCHEME.length());
        String tag = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            String fragment = decode(rest.substring(hash + 1), "fragment");
            tag = fragment.isEmpty() ? null : fragment; // as format() writes no '#' for no tag
            rest = rest.substring(0, hash);
        }
        String query = "";
        int question = rest.indexOf('?');
        if (question >= 0) {
            query = rest.substring(question + 1);
            rest = rest.substring(0, question);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            if (!rest.substring(slash).equals("/")) {
                throw new IllegalArgumentException("unexpected path '" + rest.substring(slash) + "'");
            }
            rest = rest.substring(0, slash);
        }
        String password = "";
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            password = decode(rest.substring(0, at), "password");
            rest = rest.substring(at + 1);
        }
        String host;
        String portText = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("IPv6 host without closing ']'");
            }
            host = rest.substring(1, close);
            if (host.indexOf('[') >= 0) {
                throw new IllegalArgumentException("a bracket inside the IPv6 host's brackets");
            }
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("unexpected '" + after + "' after the IPv6 host");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon >= 0 ? rest.substring(0, colon) : rest;
            portText = colon >= 0 ? rest.substring(colon + 1) : null;
            // like Go's url.Parse, an unbracketed host may hold colons (the port is after the last one), not brackets
            if (host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
                throw new IllegalArgumentException("a bracket outside an IPv6 host in brackets, e.g. [2001:db8::1]:443");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the link has no host");
        }
        int port = 443;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, was '" + portText + "'");
            }
        }
        String sni = null;
        boolean insecure = false;
        for (String parameter : query.split("&")) {
            int eq = parameter.indexOf('=');
            String key = eq >= 0 ? parameter.substring(0, eq) : parameter;
            String value = eq >= 0 ? decode(parameter.substring(eq + 1), key) : "";
            switch (key) {
                case "sni" -> sni = value.isEmpty() ? null : value;
                case "insecure" -> insecure = switch (value) {
                    case "1" -> true;
                    case "0" -> false;
                    default -> throw new IllegalArgumentException("insecure must be 0 or 1, was '" + value + "'");
                };
                default -> {
                    // unknown parameters are ignored (PROTOCOL.md section 16)
                }
            }
        }
        return new AnytlsUri(password, host, port, sni, insecure, tag);
    }

    /** The link, with the password percent-encoded; {@code sni} and {@code insecure=1} only when set. */
    public String format() {
        StringBuilder sb = new StringBuilder(SCHEME);
        if (!password.isEmpty()) {
            sb.append(encode(password)).append('@');
        }
        sb.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
        if (port != 443) {
            sb.append(':').append(port);
        }
        sb.append('/');
        String separator = "?";
        if (sni != null) {
            sb.append(separator).append("sni=").append(encode(sni));
            separator = "&";
        }
        if (insecure) {
            sb.append(separator).append("insecure=1");
        }
        if (tag != null && !tag.isEmpty()) {
            sb.append('#').append(encode(tag));
        }
        return sb.toString();
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters, over UTF-8 bytes. */
    static String encode(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return sb.toString();
    }

    /** Percent-decoding only ({@code +} stays {@code +}), UTF-8. */
    static String decode(String text, String what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%') {
                int hi = i + 1 < bytes.length ? Character.digit(bytes[i + 1], 16) : -1;
                int lo = i + 2 < bytes.length ? Character.digit(bytes[i + 2], 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad percent escape in the " + what);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
