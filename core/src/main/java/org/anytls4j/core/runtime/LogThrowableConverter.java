package org.anytls4j.core.runtime;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * The {@code %ex} of the product's log lines: Logback's stack trace, with each exception's message escaped as
 * {@link LogMessageConverter} escapes {@code %msg}. A message can carry what a client sent (a host name a resolver
 * failed on, a malformed frame's description), and a line feed in it would print a line of the client's choosing
 * between the trace's own lines. The trace's lines themselves (class and method names) are the code's. Stateless
 * beyond Logback's own converter.
 */
public final class LogThrowableConverter extends ThrowableProxyConverter {
    /** The words that name this converter in a pattern, as they name Logback's. */
    static final String[] WORDS = {"ex", "exception", "throwable"};

    @Override
    protected String throwableProxyToString(IThrowableProxy tp) {
        return super.throwableProxyToString(Escaped.of(tp));
    }

    /** {@code tp} with its message, its causes' and its suppressed exceptions' messages escaped. */
    private record Escaped(IThrowableProxy tp) implements IThrowableProxy {
        static IThrowableProxy of(IThrowableProxy tp) {
            return tp == null ? null : new Escaped(tp);
        }

        @Override
        public String getMessage() {
            String message = tp.getMessage();
            return message == null ? null : LogMessageConverter.escapeControls(message);
        }

        @Override
        public String getClassName() {
            return tp.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return tp.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return tp.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return of(tp.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] suppressed = tp.getSuppressed();
            if (suppressed == null) {
                return null;
            }
            IThrowableProxy[] escaped = new IThrowableProxy[suppressed.length];
            for (int i = 0; i < suppressed.length; i++) {
                escaped[i] = of(suppressed[i]);
            }
            return escaped;
        }

        @Override
        public boolean isCyclic() {
            return tp.isCyclic();
        }
    }
}
