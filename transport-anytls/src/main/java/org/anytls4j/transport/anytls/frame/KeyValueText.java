package org.anytls4j.transport.anytls.frame;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The key=value text of Settings, ServerSettings and padding schemes (PROTOCOL.md section 8): lines separated
 * by a single LF, each split at its first {@code =}; lines without {@code =} are ignored; keys and values are
 * verbatim (a CR from CRLF text stays in the value); a repeated key keeps the last value.
 */
public final class KeyValueText {
    private KeyValueText() {
    }

    /** Parses {@code text}; the map keeps first-appearance order of keys. */
    public static Map<String, String> parse(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        int start = 0;
        int length = text.length();
        while (start <= length) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = length;
            }
            int eq = text.indexOf('=', start);
            if (eq >= 0 && eq < end) {
                map.put(text.substring(start, eq), text.substring(eq + 1, end));
            }
            start = end + 1;
        }
        return map;
    }

    /** Parses UTF-8 bytes. */
    public static Map<String, String> parse(byte[] utf8) {
        return parse(new String(utf8, StandardCharsets.UTF_8));
    }

    /** Emits {@code key=value} lines in the map's order, joined by LF, with no trailing newline. */
    public static String format(Map<String, String> map) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getKey().indexOf('=') >= 0 || e.getKey().indexOf('\n') >= 0 || e.getValue().indexOf('\n') >= 0) {
                throw new IllegalArgumentException("key=value text cannot carry '" + e.getKey() + "'");
            }
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /**
     * Go's {@code strconv.Atoi}: optional sign, ASCII digits only, no spaces; null when it does not parse or
     * does not fit an int.
     */
    public static Integer parseGoInt(String s) {
        Long value = parseGoLong(s);
        return value == null || value < Integer.MIN_VALUE || value > Integer.MAX_VALUE ? null : value.intValue();
    }

    /** Go's {@code strconv.ParseInt(s, 10, 64)}: optional sign, ASCII digits only; null when it does not parse. */
    public static Long parseGoLong(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        int i = s.charAt(0) == '+' || s.charAt(0) == '-' ? 1 : 0;
        if (i == s.length()) {
            return null;
        }
        for (int j = i; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        try {
            return Long.parseLong(s.charAt(0) == '+' ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
