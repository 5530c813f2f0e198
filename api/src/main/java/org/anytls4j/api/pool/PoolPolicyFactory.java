package org.anytls4j.api.pool;

import com.typesafe.config.Config;
import org.anytls4j.api.Stable;

/**
 * Contributes a pool policy, e.g. {@code min_idle}.
 *
 * <h2>Settings</h2>
 * A policy reads its keys from the outbound block (operators write {@code min_idle_session = 3} next to
 * {@code server}, as in sing-box). The plugin's {@code reference.conf} documents them, with defaults, under
 * {@code anytls4j.pool-policy.<name>}; the host applies those defaults and rejects keys nobody declares.
 *
 * <h2>Enabling</h2>
 * A policy runs for an outbound when {@link #enabledBy} says so (built-in policies: their key is set, e.g.
 * {@code min_idle_session > 0}) or when the outbound names it in {@code pool_policies = [ ... ]}.
 */
@Stable
public interface PoolPolicyFactory {
    /** Order of the built-in idle protection ({@code min_idle}): before the idle cleanup closes anything. */
    int ORDER_IDLE_PROTECTION = 100;
    /** Order of the host's idle cleanup, which closes every idle session past {@code idle_session_timeout}. */
    int ORDER_IDLE_CLEANUP = 200;
    /** Order of lifetime cleanup ({@code lifetime}). */
    int ORDER_LIFETIME = 300;
    /** Order of pool filling ({@code ensure_idle}): after everything that closes sessions. */
    int ORDER_ENSURE = 400;
    /** Default order of third-party policies. */
    int ORDER_CUSTOM = 500;

    /** What operators write in {@code pool_policies}. Unique across installed plugins. */
    String name();

    /** Where in a maintenance run this policy is consulted; lower first. */
    default int order() {
        return ORDER_CUSTOM;
    }

    /** Whether the outbound's own keys switch this policy on without naming it in {@code pool_policies}. */
    default boolean enabledBy(Config settings) {
        return false;
    }

    /**
     * Creates the policy for one outbound, once, at start-up.
     *
     * @param settings the outbound block with every installed plugin's defaults applied
     * @throws com.typesafe.config.ConfigException or {@link org.anytls4j.api.InvalidSettingException} for a bad value
     */
    PoolPolicy create(Config settings, PolicyContext context);
}
