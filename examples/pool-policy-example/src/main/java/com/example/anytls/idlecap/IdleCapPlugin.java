package com.example.anytls.idlecap;

import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.pf4j.Extension;

/**
 * The plugin's entry point: a PF4J extension of {@link AnytlsPlugin} that lists what it contributes. PF4J's
 * annotation processor records it in {@code META-INF/extensions.idx} at compile time.
 */
@Extension
public class IdleCapPlugin implements AnytlsPlugin {
    @Override
    public List<PoolPolicyFactory> poolPolicies() {
        return List.of(new IdleCapPolicyFactory());
    }
}
