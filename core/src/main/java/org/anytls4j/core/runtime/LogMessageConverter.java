package org.anytls4j.core.runtime;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.anytls4j.api.Addresses;
import org.slf4j.helpers.MessageFormatter;

/**
 * The {@code %msg} of the product's log lines, one line each and with every address as operators paste it. One
 * place for every logger of the host and its plugins, so that no log statement has to remember either:
 * <ul>
 *   <li>addresses ({@link Addresses}): a {@link SocketAddress} argument prints {@code 127.0.0.1:8443} or
 *       {@code [::1]:8443} instead of Java's {@code /127.0.0.1:8443}, and Java's forms inside message texts (an
 *       exception's {@code Connection refused: /127.0.0.1:9}) are rewritten the same way;</li>
 *   <li>control characters escaped ({@link #escapeControls}): clients choose much of what log lines carry (a
 *       SOCKS or anytls destination's host name, a user name, an HTTP request's target), and a line feed in a
 *       SOCKS5 domain printed a second line that looked like one of ours ({@code ... ERROR Fake - ...}); line feed
 *       and carriage return print as {@code \n} and {@code \r}, the other C0 controls and DEL as {@code \xNN},
 *       NEL and the Unicode line and paragraph separators as {@code &#92;uNNNN}. Tabs stay.</li>
 * </ul>
 * Stateless.
 */
public final class LogMessageConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        String message = event.getFormattedMessage();
        if (args != null) {
            Object[] shown = null;
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof SocketAddress address) {
                    if (shown == null) {
                        shown = args.clone();
                    }
                    shown[i] = Addresses.format(address);
                }
            }
            if (shown != null) {
                message = MessageFormatter.basicArrayFormat(event.getMessage(), shown);
            }
        }
        return escapeControls(Addresses.clean(message));
    }

    /** {@code text} with its control characters escaped as described above; {@code text} itself when it has none. */
    static String escapeControls(String text) {
        int first = 0;
        while (first < text.length() && !isControl(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x80) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 && c != '\t' || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    /**
     * Makes {@code %msg}, {@code %m} and {@code %message} of every pattern of {@code context} this converter, and
     * {@code %ex}, {@code %exception} and {@code %throwable} a {@link LogThrowableConverter}.
     */
    @SuppressWarnings("unchecked")
    public static void register(Context context) {
        Map<String, Supplier<DynamicConverter>> rules = (Map<String, Supplier<DynamicConverter>>) context
                .getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (rules == null) {
            rules = new HashMap<>();
            context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        for (String word : new String[] {"msg", "m", "message"}) {
            rules.put(word, LogMessageConverter::new);
        }
        for (String word : LogThrowableConverter.WORDS) {
            rules.put(word, LogThrowableConverter::new);
        }
    }
}
