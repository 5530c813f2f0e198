package org.anytls4j.core.admin;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Addresses;

/**
 * A read-only view of one pooled outbound's sessions, for the admin listener's {@code /pool}. Implemented by the
 * session pool engine, one per pooled outbound; the host hands the list to {@link AdminServer}, each
 * {@linkplain #configuredBy described by its block} (server, idle targets).
 *
 * <h2>Threading</h2>
 * {@link #sessions()} is called on an admin event loop and must not block: a pool whose state lives on its own
 * event loop takes the snapshot there and completes the stage from it.
 */
public interface PoolView {
    /** Keys of an outbound block that set how many idle sessions its policies keep, shown in {@code /pool}. */
    List<String> IDLE_TARGET_KEYS = List.of("min_idle_session", "ensure_idle_session");

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

    /** Session creations in flight now; empty when the view does not count them. Never blocks. */
    default CompletionStage<OptionalInt> creating() {
        return CompletableFuture.completedFuture(OptionalInt.empty());
    }

    /** Where the outbound's sessions go ({@code 127.0.0.1:8443}), when known. */
    default Optional<String> server() {
        return Optional.empty();
    }

    /** The idle-session targets of its block ({@link #IDLE_TARGET_KEYS} that it has), in that order. */
    default Map<String, Integer> idleTargets() {
        return Map.of();
    }

    /**
     * {@code view} described by its outbound block: the server ({@code server} and {@code server_port}, as
     * {@link Addresses#hostPort} writes it) and the {@link #IDLE_TARGET_KEYS} the block has (with the defaults of
     * the installed policies).
     */
    static PoolView configuredBy(PoolView view, Config block) {
        requireNonNull(view, "view");
        Optional<String> server = block.hasPath("server") && block.hasPath("server_port")
                ? Optional.of(Addresses.hostPort(block.getString("server"), block.getInt("server_port")))
                : Optional.empty();
        Map<String, Integer> targets = new LinkedHashMap<>();
        for (String key : IDLE_TARGET_KEYS) {
            if (block.hasPath(key)) {
                targets.put(key, block.getInt(key));
            }
        }
        Map<String, Integer> idleTargets = Collections.unmodifiableMap(targets);
        return new PoolView() {
            @Override
            public String outboundTag() {
                return view.outboundTag();
            }

            @Override
            public CompletionStage<List<SessionInfo>> sessions() {
                return view.sessions();
            }

            @Override
            public CompletionStage<Optional<CreationInfo>> creation() {
                return view.creation();
            }

            @Override
            public CompletionStage<OptionalInt> creating() {
                return view.creating();
            }

            @Override
            public Optional<String> server() {
                return server;
            }

            @Override
            public Map<String, Integer> idleTargets() {
                return idleTargets;
            }
        };
    }
}
