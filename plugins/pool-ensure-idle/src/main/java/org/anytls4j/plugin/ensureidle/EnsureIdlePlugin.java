package org.anytls4j.plugin.ensureidle;

import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.pf4j.Extension;

/**
 * The pool-ensure-idle plugin's entry point: contributes the {@code ensure_idle} pool policy.
 *
 * <h2>Lifecycle</h2>
 * Instantiated by PF4J; the host reads {@link #poolPolicies()} once at start-up.
 */
@Extension
public final class EnsureIdlePlugin implements AnytlsPlugin {
    @Override
    public List<PoolPolicyFactory> poolPolicies() {
        return List.of(new EnsureIdlePolicyFactory());
    }
}
