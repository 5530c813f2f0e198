package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.junit.jupiter.api.Test;

/**
 * The value types that were records (API 1.x) keep what plugins relied on as final classes: the same accessors, value
 * equality, the same string form, and the old constructors building the same values as the new builders.
 */
@SuppressWarnings("deprecation")
class ValueTypesTest {
    private final PooledSession idle = PooledSession.builder(9).createdNanos(10).idleSinceNanos(50).idle(true)
            .peerVersion(2).build();
    private final PooledSession busy = PooledSession.builder(7).createdNanos(5).openStreams(3).build();

    @Test
    void aPooledSessionIsAValueBuiltOrConstructedAlike() {
        assertThat(idle).isEqualTo(new PooledSession(9, 10, 50, true, 0, 2)).hasSameHashCodeAs(
                new PooledSession(9, 10, 50, true, 0, 2));
        assertThat(idle.toString())
                .isEqualTo("PooledSession[seq=9, createdNanos=10, idleSinceNanos=50, idle=true, openStreams=0, "
                        + "peerVersion=2]");
        assertThat(idle.idleNanos(80)).isEqualTo(30);
        assertThat(busy.idleNanos(80)).isZero();
        assertThat(busy.ageNanos(80)).isEqualTo(75);
        assertThat(idle.toBuilder().openStreams(1).idle(false).build())
                .isEqualTo(new PooledSession(9, 10, 50, false, 1, 2)).isNotEqualTo(idle);
    }

    @Test
    void aSnapshotBuiltEqualsTheOneTheOldConstructorsMade() {
        PoolSnapshot built = PoolSnapshot.builder("hk").idle(List.of(idle)).busy(List.of(busy))
                .creating("ensure", 2).creating("demand", 1).failures(3, 40, "connection refused")
                .createAllowedAtNanos(90).build();
        PoolSnapshot constructed = new PoolSnapshot("hk", List.of(idle), List.of(busy), 3, 3, 40, "connection refused",
                Map.of("ensure", 2, "demand", 1), 90);
        assertThat(built).isEqualTo(constructed).hasSameHashCodeAs(constructed);
        assertThat(built.creating()).isEqualTo(3);
        assertThat(built.creating("ensure")).isEqualTo(2);
        assertThat(built.creating(CreationReason.DEMAND)).isEqualTo(1);
        assertThat(built.total()).isEqualTo(2);
        assertThat(built.mayCreateAt(89)).isFalse();
        assertThat(built.mayCreateAt(90)).isTrue();
        assertThat(built.toBuilder().build()).isEqualTo(built);
        assertThat(built.toString()).startsWith("PoolSnapshot[outboundTag=hk, idle=[PooledSession[seq=9");

        PoolSnapshot empty = PoolSnapshot.builder("hk").build();
        assertThat(empty).isEqualTo(new PoolSnapshot("hk", List.of(), List.of(), 0, 0, 0, ""));
        assertThat(empty.mayCreateAt(Long.MIN_VALUE)).isTrue();
    }

    @Test
    void actionsAndDecisionsAreValuesMadeByFactories() {
        assertThat(PoolAction.close(3, CloseReason.MAX_AGE, "age=1h"))
                .isEqualTo(new PoolAction.Close(3, CloseReason.MAX_AGE, "age=1h"))
                .hasToString("Close[seq=3, reason=max-age, detail=age=1h]");
        assertThat(PoolAction.resetIdle(4)).isEqualTo(new PoolAction.ResetIdle(4))
                .isNotEqualTo(PoolAction.resetIdle(5));
        assertThat(PoolAction.create(2, "ensure")).isEqualTo(PoolAction.create(2, CreationReason.of("ensure")))
                .isEqualTo(new PoolAction.Create(2, "ensure")).hasToString("Create[count=2, reason=ensure]");
        assertThat(PoolAction.create(2, "ensure").reason()).isEqualTo(CreationReason.of("ensure"));
        assertThatThrownBy(() -> PoolAction.create(0, "ensure")).hasMessage("count must be > 0, was 0");

        assertThat(Decision.of(List.of())).isSameAs(Decision.nothing());
        assertThat(Decision.of(List.of(), Decision.AT_NEXT_CHECK)).isSameAs(Decision.nothing());
        assertThat(Decision.of(List.of(), 5)).isEqualTo(new Decision(List.of(), 5));
        assertThat(Decision.of(List.of(), 5).askAgainAtNanos()).isEqualTo(5);
        assertThat(new Destination("::1", 443)).isEqualTo(new Destination("::1", 443)).hasToString("[::1]:443")
                .isNotEqualTo(new Destination("::1", 80));
        assertThat(Heartbeat.Observation.of(-1, 0, 2)).isEqualTo(Heartbeat.Observation.of(-1, 0, 2))
                .isNotEqualTo(Heartbeat.Observation.of(-1, 1, 2));
    }

    @Test
    void closeAndCreationReasonsAreWordsOfTwoKinds() {
        assertThat(CloseReason.of("idle-timeout")).isEqualTo(CloseReason.IDLE_TIMEOUT).hasToString("idle-timeout");
        assertThat(new CloseReason("shutdown")).isEqualTo(CloseReason.SHUTDOWN);
        assertThat(CreationReason.of("demand")).isSameAs(CreationReason.DEMAND);
        assertThat((Reason) CreationReason.of("error")).isNotEqualTo(CloseReason.ERROR);
        assertThatThrownBy(() -> CloseReason.of("Idle Cap"))
                .hasMessage("close reason must be lower-case words joined by '-', was 'Idle Cap'");
        assertThatThrownBy(() -> CreationReason.of("pre warm"))
                .hasMessage("creation reason must be lower-case words joined by '-', was 'pre warm'");
        assertThatThrownBy(() -> PoolAction.create(1, "test pre-warm")).isInstanceOf(IllegalArgumentException.class);
    }
}
