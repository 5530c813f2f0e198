package org.anytls4j.core.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The host's one registry, made to follow Prometheus conventions where Micrometer's stock binders do not:
 * <ul>
 *   <li>base units: Micrometer's {@code process.cpu.time} (nanoseconds, {@code process_cpu_time_ns_total}) is
 *       replaced by {@code process_cpu_seconds_total}, the name the Prometheus client libraries and dashboards
 *       use ({@link #processCpuSeconds()}); timers are in seconds (the Prometheus registry's base unit);</li>
 *   <li>no {@code id} label holding an identity hash: Netty's allocator meters tag each allocator with
 *       {@code System.identityHashCode}, a new series at every restart; the tag is dropped (the allocator is told
 *       apart by {@code allocator_type});</li>
 *   <li>byte meters end in {@code _bytes} and every family has HELP text: Netty's allocator meters have neither,
 *       they get both here.</li>
 * </ul>
 * The JVM meters' {@code id} label (the memory pool or buffer pool name, e.g. {@code id="G1 Old Gen"}) is stable
 * across restarts and what the stock JVM dashboards select on, so it stays.
 *
 * <p>The filters must be in place before the first meter registers (Micrometer applies a filter only to the
 * meters registered after it), so the registry is made here, once per host. Stateless.
 */
public final class MeterConventions {
    static final String MICROMETER_CPU_TIME = "process.cpu.time";
    private static final String NETTY_ALLOCATOR = "netty.allocator.";

    /** HELP text and base unit (null: none) of each of Netty's allocator meters, by name. */
    private static final Map<String, String[]> NETTY = Map.of(
            "netty.allocator.memory.used", new String[] {"Memory the Netty allocator uses", "bytes"},
            "netty.allocator.memory.pinned", new String[] {"Memory of the Netty allocator held by buffers in use",
                "bytes"},
            "netty.allocator.pooled.arenas", new String[] {"Arenas of the Netty pooled allocator", null},
            "netty.allocator.pooled.cache.size", new String[] {"Size of the Netty pooled allocator's caches", null},
            "netty.allocator.pooled.chunk.size", new String[] {"Chunk size of the Netty pooled allocator", "bytes"},
            "netty.allocator.pooled.threadlocal.caches", new String[] {
                "Thread-local caches of the Netty pooled allocator", null});

    private MeterConventions() {
    }

    /** A Prometheus registry with the filters above. */
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        apply(registry);
        return registry;
    }

    /** Puts the filters on {@code registry}; call before any meter registers. */
    public static void apply(MeterRegistry registry) {
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals(MICROMETER_CPU_TIME)))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        if (!id.getName().startsWith(NETTY_ALLOCATOR)) {
                            return id;
                        }
                        String[] helpAndUnit = NETTY.get(id.getName());
                        String help = id.getDescription() != null ? id.getDescription()
                                : helpAndUnit != null ? helpAndUnit[0] : "Netty allocator " + id.getName();
                        String unit = id.getBaseUnit() != null ? id.getBaseUnit()
                                : helpAndUnit != null ? helpAndUnit[1] : null;
                        return new Meter.Id(id.getName(), Tags.of(id.getTags().stream()
                                .filter(t -> !t.getKey().equals("id")).collect(Collectors.toList())), unit, help,
                                id.getType());
                    }

                    @Override
                    public MeterFilterReply accept(Meter.Id id) {
                        return MeterFilterReply.NEUTRAL;
                    }
                });
    }

    /**
     * {@code process.cpu} in seconds ({@code process_cpu_seconds_total}): CPU time the process used, from the
     * JVM's {@code com.sun.management.OperatingSystemMXBean}; binds nothing on a JVM without it.
     */
    static MeterBinder processCpuSeconds() {
        return registry -> {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getProcessCpuTime() >= 0) {
                FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                        .description("CPU time the process used").register(registry);
            }
        };
    }
}
