package org.anytls4j.core.admin;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A read-only view of one pooled outbound's sessions, for the admin listener's {@code /pool}. Implemented by the
 * session pool engine, one per pooled outbound; the host hands the list to {@link AdminServer}.
 *
 * <h2>Threading</h2>
 * {@link #sessions()} is called on an admin event loop and must not block: a pool whose state lives on its own
 * event loop takes the snapshot there and completes the stage from it.
 */
public interface PoolView {
    /** The outbound's configured tag. */
    String outboundTag();

    /** A snapshot of the outbound's sessions, in sequence order. */
    CompletionStage<List<SessionInfo>> sessions();

    /**
     * The outbound's failure streak of session creations, empty while creations work. Never blocks, like
     * {@link #sessions()}. Default: always empty.
     */
    default CompletionStage<Optional<CreationInfo>> creation() {
        return CompletableFuture.completedFuture(Optional.empty());
    }
}
