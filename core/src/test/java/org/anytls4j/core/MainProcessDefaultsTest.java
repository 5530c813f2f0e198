package org.anytls4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process entry point's defaults (issue 12): Netty's flight-recorder events are off unless the operator asks for
 * them (start-up), and Netty's buffers come from a small pooled allocator (bulk CPU). Checked on
 * {@link Main#processDefaults} and in a child JVM that applies them and allocates Netty's first buffer with
 * {@code -verbose:class}: the flight recorder generates no event handler; the control, the same child with
 * {@code -Dio.netty.jfr.enabled=true} and Netty's adaptive allocator, proves the probe sees the registration when it
 * happens. The child also reports the default allocator it got.
 */
class MainProcessDefaultsTest {
    @Test
    void nettysFlightRecorderEventsAreOffUnlessTheOperatorSetsThem() {
        assertDefaultUnlessSet(Main.NETTY_JFR, "false", "true");
    }

    @Test
    void guiceBuildsTheInjectorWithoutGeneratingClassesUnlessTheOperatorSaysOtherwise() {
        assertDefaultUnlessSet(Main.GUICE_BYTECODE_GEN, "DISABLED", "ENABLED");
    }

    @Test
    void nettysLeakDetectorSamplesOneAllocationInAThousandUnlessTheOperatorSetsIt() {
        assertDefaultUnlessSet(Main.NETTY_LEAK_SAMPLING, "1024", "128");
    }

    @Test
    @Timeout(60)
    void theLeakDetectorOfTheFirstBufferUsesTheDefaultSamplingInterval() throws Exception {
        assertThat(allocateInChild()).contains("leakSamplingInterval=1024");
        assertThat(allocateInChild("-D" + Main.NETTY_LEAK_SAMPLING + "=128")).contains("leakSamplingInterval=128");
    }

    private static void assertDefaultUnlessSet(String property, String byDefault, String operators) {
        Properties unset = new Properties();
        Main.processDefaults(unset);
        assertThat(unset.getProperty(property)).isEqualTo(byDefault);

        Properties set = new Properties();
        set.setProperty(property, operators);
        Main.processDefaults(set);
        assertThat(set.getProperty(property)).isEqualTo(operators);
    }

    @Test
    void nettysBuffersComeFromASmallPoolUnlessTheOperatorChoosesAnotherAllocator() {
        Properties unset = new Properties();
        Main.processDefaults(unset);
        assertThat(unset.getProperty("io.netty.allocator.type")).isEqualTo("pooled");
        assertThat(unset.getProperty("io.netty.allocator.numDirectArenas"))
                .isEqualTo(String.valueOf(Math.min(2, Runtime.getRuntime().availableProcessors())));
        assertThat(unset.getProperty("io.netty.allocator.numHeapArenas")).isEqualTo("1");
        assertThat(unset.getProperty("io.netty.allocator.maxOrder")).isEqualTo("8");

        Properties adaptive = new Properties();
        adaptive.setProperty("io.netty.allocator.type", "adaptive");
        Main.processDefaults(adaptive);
        assertThat(adaptive.getProperty("io.netty.allocator.type")).isEqualTo("adaptive");
        assertThat(adaptive.stringPropertyNames()).noneMatch(name -> name.startsWith("io.netty.allocator.num")
                || name.equals("io.netty.allocator.maxOrder"));

        Properties arenas = new Properties();
        arenas.setProperty("io.netty.allocator.numDirectArenas", "8");
        Main.processDefaults(arenas);
        assertThat(arenas.getProperty("io.netty.allocator.type")).isEqualTo("pooled");
        assertThat(arenas.getProperty("io.netty.allocator.numDirectArenas")).isEqualTo("8");
    }

    @Test
    @Timeout(60)
    void theDefaultAllocatorIsPooledWithTwoMegabyteChunksAndAtMostTwoDirectArenas() throws Exception {
        List<String> lines = allocateInChild();

        assertThat(lines).contains("allocator=PooledByteBufAllocator directArenas="
                + Math.min(2, Runtime.getRuntime().availableProcessors()) + " chunk=2097152");
    }

    @Test
    @Timeout(60)
    void nettyRegistersNoFlightRecorderEventsUnderTheDefaults() throws Exception {
        List<String> loaded = allocateInChild();

        assertThat(loaded).anyMatch(line -> line.contains(" io.netty.buffer.PooledByteBufAllocator "));
        assertThat(loaded).noneMatch(line -> line.contains(" jdk.jfr.internal.handlers.EventHandler"));
    }

    @Test
    @Timeout(60)
    void theProbeSeesTheRegistrationWhenTheOperatorTurnsNettysEventsOn() throws Exception {
        List<String> loaded = allocateInChild("-D" + Main.NETTY_JFR + "=true", "-Dio.netty.allocator.type=adaptive");

        assertThat(loaded).anyMatch(line -> line.contains(" jdk.jfr.internal.handlers.EventHandler"));
    }

    /** A child JVM that applies the defaults as {@code Main} does, then allocates Netty's first buffer. */
    private static List<String> allocateInChild(String... jvmOptions) throws IOException, InterruptedException {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> command = new ArrayList<>(List.of(java, "-verbose:class"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FirstBufferMain.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(String.join("\n", lines.subList(Math.max(0, lines.size() - 40),
                lines.size()))).isZero();
        assertThat(lines).contains("allocated");
        return lines;
    }

    /** The child's main: {@link Main#processDefaults}, then one pooled direct buffer from Netty's default allocator. */
    public static final class FirstBufferMain {
        public static void main(String[] args) {
            Main.processDefaults(System.getProperties());
            io.netty.buffer.ByteBuf buffer = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(1024);
            buffer.writeLong(1L);
            buffer.release();
            System.out.println("allocated");
            if (io.netty.buffer.ByteBufAllocator.DEFAULT instanceof io.netty.buffer.PooledByteBufAllocator pooled) {
                System.out.println("allocator=PooledByteBufAllocator directArenas=" + pooled.metric().numDirectArenas()
                        + " chunk=" + pooled.metric().chunkSize());
            }
            System.out.println("leakSamplingInterval=" + samplingInterval());
        }

        /** What the leak detector of Netty's buffers samples at: its private field (no accessor), by reflection. */
        private static Object samplingInterval() {
            try {
                Object detector = io.netty.util.ResourceLeakDetectorFactory.instance()
                        .newResourceLeakDetector(io.netty.buffer.ByteBuf.class);
                java.lang.reflect.Field field = io.netty.util.ResourceLeakDetector.class
                        .getDeclaredField("samplingInterval");
                field.setAccessible(true);
                return field.get(detector);
            } catch (ReflectiveOperationException e) {
                return e;
            }
        }
    }
}
