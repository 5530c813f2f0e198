package org.anytls4j.core.admin;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.anytls4j.api.Addresses;
import org.anytls4j.api.outbound.Heartbeat;

/**
 * Renders {@code /pool}, one object per pooled outbound:
 * <pre>{@code
 * {"outbounds":[{"tag":"hk","server":"hk.example.com:443","min_idle_session":1,"ensure_idle_session":2,
 *   "idle":1,"busy":1,"creating":0,"backing_off":false,
 *   "sessions":[{"seq":1,"age_ms":..,"idle_ms":..,"streams":0,"held_by":"min_idle","next_action":"close",
 *     "next_action_in_ms":..,"last_read_ms":..,"heartbeat":{"last_rtt_ms":12.3,"misses_in_a_row":0,"max_missed":2}}],
 *   "creation":null}]}
 * }</pre>
 * {@code idle} and {@code busy} count the sessions listed; {@code creating} the creations in flight. Absent values
 * are JSON {@code null} ({@code server} of a transport without one, {@code heartbeat} of a session no monitor
 * probes or that has not seen a probe's outcome yet, {@code last_rtt_ms} before the first answer). {@code creation}
 * is null while creating sessions works, else
 * {@code {"failures_in_a_row":5,"backoff_ms":..,"next_attempt_in_ms":..,"next_attempt_at":"2026-..Z",
 * "last_failure":"..."}}, the last failure with addresses as {@link org.anytls4j.api.Addresses} writes them.
 * Stateless.
 */
final class PoolJson {
    private PoolJson() {
    }

    /** One outbound's state, as the views answered. */
    record Outbound(PoolView view, List<SessionInfo> sessions, Optional<CreationInfo> creation,
            OptionalInt creating) {
    }

    /**
     * @param outbounds the outbounds, in the order to show
     * @param now       the wall-clock time, for {@code next_attempt_at}
     */
    static String render(List<Outbound> outbounds, Instant now) {
        StringBuilder out = new StringBuilder(256).append("{\"outbounds\":[");
        boolean firstOutbound = true;
        for (Outbound o : outbounds) {
            if (!firstOutbound) {
                out.append(',');
            }
            firstOutbound = false;
            out.append("{\"tag\":");
            string(out, o.view().outboundTag());
            out.append(",\"server\":");
            string(out, o.view().server().orElse(null));
            o.view().idleTargets().forEach((key, value) -> out.append(",\"").append(key).append("\":").append(value));
            long idle = o.sessions().stream().filter(s -> s.idle() != null).count();
            out.append(",\"idle\":").append(idle)
                    .append(",\"busy\":").append(o.sessions().size() - idle)
                    .append(",\"creating\":").append(o.creating().isPresent() ? o.creating().getAsInt() : "null")
                    .append(",\"backing_off\":").append(o.creation().isPresent())
                    .append(",\"sessions\":[");
            boolean firstSession = true;
            for (SessionInfo s : o.sessions()) {
                if (!firstSession) {
                    out.append(',');
                }
                firstSession = false;
                session(out, s);
            }
            out.append("],\"creation\":");
            if (o.creation().isEmpty()) {
                out.append("null");
            } else {
                CreationInfo c = o.creation().get();
                out.append("{\"failures_in_a_row\":").append(c.failuresInARow())
                        .append(",\"backoff_ms\":").append(c.backoff().toMillis())
                        .append(",\"next_attempt_in_ms\":").append(c.nextAttemptIn().toMillis())
                        .append(",\"next_attempt_at\":");
                string(out, now.plus(c.nextAttemptIn()).truncatedTo(ChronoUnit.MILLIS).toString());
                out.append(",\"last_failure\":");
                string(out, Addresses.clean(c.lastFailure()));
                out.append('}');
            }
            out.append('}');
        }
        return out.append("]}").toString();
    }

    private static void session(StringBuilder out, SessionInfo s) {
        out.append("{\"seq\":").append(s.seq())
                .append(",\"age_ms\":").append(s.age().toMillis())
                .append(",\"idle_ms\":").append(millis(s.idle()))
                .append(",\"streams\":").append(s.streams())
                .append(",\"held_by\":");
        string(out, s.heldBy());
        out.append(",\"next_action\":");
        string(out, s.nextAction());
        out.append(",\"next_action_in_ms\":").append(millis(s.nextActionIn()))
                .append(",\"last_read_ms\":").append(millis(s.lastRead()))
                .append(",\"heartbeat\":");
        Heartbeat.Observation h = s.heartbeat();
        if (h == null) {
            out.append("null");
        } else {
            out.append("{\"last_rtt_ms\":").append(h.lastRttNanos() < 0 ? "null"
                            : BigDecimal.valueOf(h.lastRttNanos(), 6).setScale(3, RoundingMode.HALF_UP).toPlainString())
                    .append(",\"misses_in_a_row\":").append(h.missedInARow())
                    .append(",\"max_missed\":").append(h.maxMissed()).append('}');
        }
        out.append('}');
    }

    private static String millis(Duration d) {
        return d == null ? "null" : Long.toString(d.toMillis());
    }

    /** RFC 8259 string, or {@code null}. */
    static void string(StringBuilder out, String s) {
        if (s == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
