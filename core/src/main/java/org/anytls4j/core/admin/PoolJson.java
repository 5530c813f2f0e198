package org.anytls4j.core.admin;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Renders {@code /pool}: {@code {"outbounds":[{"tag":"hk","sessions":[{"seq":1,"age_ms":..,"idle_ms":..,
 * "streams":0,"held_by":"min_idle","next_action":"close","next_action_in_ms":..}],"creation":null}]}}. Absent values
 * are JSON {@code null}. {@code creation} is null while creating sessions works, else
 * {@code {"failures_in_a_row":5,"backoff_ms":..,"next_attempt_in_ms":..,"last_failure":"..."}}. Stateless.
 */
final class PoolJson {
    private PoolJson() {
    }

    /**
     * @param outbounds outbound tag to its sessions, in the order to show
     * @param creation  outbound tag to its failure streak of session creations; absent while creations work
     */
    static String render(Map<String, List<SessionInfo>> outbounds, Map<String, CreationInfo> creation) {
        StringBuilder out = new StringBuilder(256).append("{\"outbounds\":[");
        boolean firstOutbound = true;
        for (Map.Entry<String, List<SessionInfo>> e : outbounds.entrySet()) {
            if (!firstOutbound) {
                out.append(',');
            }
            firstOutbound = false;
            out.append("{\"tag\":");
            string(out, e.getKey());
            out.append(",\"sessions\":[");
            boolean firstSession = true;
            for (SessionInfo s : e.getValue()) {
                if (!firstSession) {
                    out.append(',');
                }
                firstSession = false;
                out.append("{\"seq\":").append(s.seq())
                        .append(",\"age_ms\":").append(s.age().toMillis())
                        .append(",\"idle_ms\":").append(millis(s.idle()))
                        .append(",\"streams\":").append(s.streams())
                        .append(",\"held_by\":");
                string(out, s.heldBy());
                out.append(",\"next_action\":");
                string(out, s.nextAction());
                out.append(",\"next_action_in_ms\":").append(millis(s.nextActionIn())).append('}');
            }
            out.append("],\"creation\":");
            CreationInfo c = creation.get(e.getKey());
            if (c == null) {
                out.append("null");
            } else {
                out.append("{\"failures_in_a_row\":").append(c.failuresInARow())
                        .append(",\"backoff_ms\":").append(c.backoff().toMillis())
                        .append(",\"next_attempt_in_ms\":").append(c.nextAttemptIn().toMillis())
                        .append(",\"last_failure\":");
                string(out, c.lastFailure());
                out.append('}');
            }
            out.append('}');
        }
        return out.append("]}").toString();
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
