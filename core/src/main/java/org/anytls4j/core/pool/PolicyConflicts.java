package org.anytls4j.core.pool;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.GoDurations;

/**
 * Settings of one outbound that make two pool policies certain to undo each other run after run (issue 11,
 * "Conflicts between policies"), for {@code anytls4j check} and the pool's start. The pool also warns at run time
 * when it sees it happen ({@link SessionPool#CONFLICT_RUNS}); this catches what the settings alone make certain:
 * <ul>
 *   <li>{@code ensure_idle_session} with a {@code max_connection_lifetime} (plus its jitter) shorter than
 *       {@code idle_session_check_interval}: every session ensure_idle creates expires before the next regular run,
 *       so the lifetime policy closes what ensure_idle creates, run after run.</li>
 * </ul>
 * {@code ensure_idle_session} above {@code min_idle_session} is no conflict: the surplus is closed and re-created
 * once per idle timeout, as the features guide shows. Keys a policy that is not installed would read are absent and
 * never match.
 */
final class PolicyConflicts {
    static final String ENSURE = "ensure_idle_session";
    static final String LIFETIME = "max_connection_lifetime";
    static final String LIFETIME_JITTER = "connection_lifetime_jitter";

    private PolicyConflicts() {
    }

    /** One line per certain conflict, naming both policies and the keys to change; empty when there is none. */
    static List<String> certain(String tag, Config settings, PoolSettings pool) {
        List<String> warnings = new ArrayList<>();
        if (settings.hasPath(ENSURE) && settings.getInt(ENSURE) > 0 && settings.hasPath(LIFETIME)) {
            Duration lifetime = settings.getDuration(LIFETIME);
            Duration jitter = settings.hasPath(LIFETIME_JITTER) ? settings.getDuration(LIFETIME_JITTER)
                    : Duration.ZERO;
            Duration longest = lifetime.plus(jitter);
            if (!lifetime.isZero() && longest.compareTo(pool.checkInterval()) < 0) {
                warnings.add("outbound=" + tag + " policies lifetime and ensure_idle will undo each other: "
                        + LIFETIME + "=" + GoDurations.format(lifetime)
                        + (jitter.isZero() ? "" : " (+" + GoDurations.format(jitter) + " jitter)")
                        + " is shorter than idle_session_check_interval=" + GoDurations.format(pool.checkInterval())
                        + ", so every session " + ENSURE + "=" + settings.getInt(ENSURE) + " creates expires "
                        + "before the next run and is closed and created again, run after run; make "
                        + LIFETIME + " longer than the check interval");
            }
        }
        return warnings;
    }
}
