/**
 * What a pool-policy or session-monitor author needs in unit tests, the same fakes the in-tree plugins use: no
 * network, no real clock, no sleeps.
 *
 * <ul>
 *   <li>{@link org.anytls4j.testkit.PoolSnapshots}: snapshots in seconds, for {@code PoolPolicy.evaluate};</li>
 *   <li>{@link org.anytls4j.testkit.PoolConfigs}: an outbound block with the defaults of every
 *       {@code reference.conf} on the test class path applied, as the host hands it to a factory;</li>
 *   <li>{@link org.anytls4j.testkit.FakePolicyContext}: a {@code PolicyContext} with a fake clock, a manual
 *       scheduler, {@link org.anytls4j.testkit.FakeMetrics} to read meters back and a seeded random source;</li>
 *   <li>{@link org.anytls4j.testkit.NettyFree}: checks that compiled classes need neither Netty nor Micrometer;</li>
 *   <li>{@link org.anytls4j.testkit.FakeTicker} and {@link org.anytls4j.testkit.ManualScheduler}: time that moves
 *       only when the test moves it, running due tasks in order;</li>
 *   <li>{@link org.anytls4j.testkit.FakeSession} with {@link org.anytls4j.testkit.FakeHeartbeat}: a session whose
 *       stream opens, close and heartbeat answers the test scripts, and
 *       {@link org.anytls4j.testkit.FakeConnector}, which hands them out.</li>
 * </ul>
 *
 * Take it at test scope ({@code org.anytls4j:anytls4j-testkit}; the plugin parent does). It depends on the api and
 * typesafe-config and Netty's transport (for {@code FakeSession}'s streams); never on the host (core), nor on
 * Micrometer.
 */
package org.anytls4j.testkit;
