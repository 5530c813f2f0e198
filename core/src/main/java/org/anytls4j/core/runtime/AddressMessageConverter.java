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
 * The {@code %msg} of the product's log lines, with every address as operators paste it ({@link Addresses}): a
 * {@link SocketAddress} argument prints {@code 127.0.0.1:8443} or {@code [::1]:8443} instead of Java's
 * {@code /127.0.0.1:8443}, and Java's forms inside message texts (an exception's {@code Connection refused:
 * /127.0.0.1:9}) are rewritten the same way. One place for every logger of the host and its plugins, so that no
 * log statement has to remember it. Stateless.
 */
public final class AddressMessageConverter extends ClassicConverter {
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
        return Addresses.clean(message);
    }

    /** Makes {@code %msg}, {@code %m} and {@code %message} of every pattern of {@code context} this converter. */
    @SuppressWarnings("unchecked")
    public static void register(Context context) {
        Map<String, Supplier<DynamicConverter>> rules = (Map<String, Supplier<DynamicConverter>>) context
                .getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (rules == null) {
            rules = new HashMap<>();
            context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        for (String word : new String[] {"msg", "m", "message"}) {
            rules.put(word, AddressMessageConverter::new);
        }
    }
}
