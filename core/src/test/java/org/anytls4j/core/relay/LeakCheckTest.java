package org.anytls4j.core.relay;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check fails on a dropped buffer and passes when every buffer was released. */
class LeakCheckTest {
    private final LeakCheck check = new LeakCheck();

    @Test
    void aBufferDroppedWithoutReleaseFailsTheCheckNamingItsAllocation() {
        allocateAndDrop();

        assertThatThrownBy(() -> check.afterAll(null))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("leaked")
                .hasMessageContaining("allocateAndDrop");
    }

    @Test
    void releasedBuffersPass() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
        buf.writeLong(1);
        buf.release();

        assertThatCode(() -> check.afterAll(null)).doesNotThrowAnyException();
    }

    private static void allocateAndDrop() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
        buf.writeLong(42); // touched, then dropped without release
    }
}
