package org.anytls4j.plugin.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import org.anytls4j.testkit.NettyFree;
import org.junit.jupiter.api.Test;

/** This plugin is built on the policy/monitor API alone: no Netty, no Micrometer, not even through an API type. */
class NettyFreeTest {
    @Test
    void itsClassesNeedNeitherNettyNorMicrometer() {
        assertThat(NettyFree.violations(NettyFree.classesOf(HeartbeatMonitorFactory.class))).isEmpty();
    }
}
