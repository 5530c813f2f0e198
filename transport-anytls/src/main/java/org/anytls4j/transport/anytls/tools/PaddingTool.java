package org.anytls4j.transport.anytls.tools;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.anytls4j.api.Tool;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.padding.PaddingWriter;

/**
 * {@code anytls4j padding simulate [--scheme FILE] [--seed N] [--writes 106,524,7,3000]}: prints the TLS record
 * plaintext sizes a client session produces for a sequence of session writes, using the client's real
 * {@link PaddingWriter}. Packet 0 is the authentication preamble ({@code 34 + padding0}); each listed write
 * is the next packet. Without {@code --seed} the sizes are drawn from a {@link SecureRandom}; with it, a
 * {@link Random} seeded with N reproduces them.
 *
 * <h2>Threading</h2>
 * Runs on the launcher's thread; reads the scheme file synchronously.
 */
public final class PaddingTool implements Tool {
    private static final String USAGE =
            "usage: padding simulate [--scheme FILE] [--seed N] [--writes 106,524,7,3000]";
    private static final List<Integer> DEFAULT_WRITES = List.of(106, 524);

    @Override
    public String name() {
        return "padding";
    }

    @Override
    public String description() {
        return "show the TLS record sizes a padding scheme gives a sequence of writes (simulate ...)";
    }

    @Override
    public int run(List<String> args, PrintWriter out, PrintWriter err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.println(USAGE);
            out.println(description());
            return 0;
        }
        try {
            if (args.isEmpty() || !args.get(0).equals("simulate")) {
                err.println(USAGE);
                return 2;
            }
            PaddingScheme scheme = PaddingScheme.DEFAULT;
            RandomGenerator random = new SecureRandom();
            String seedText = "none";
            List<Integer> writes = DEFAULT_WRITES;
            for (int i = 1; i < args.size(); i++) {
                String arg = args.get(i);
                if (i + 1 >= args.size()) {
                    err.println(USAGE);
                    return 2;
                }
                String value = args.get(++i);
                switch (arg) {
                    case "--scheme" -> scheme = readScheme(value);
                    case "--seed" -> {
                        random = new Random(Long.parseLong(value));
                        seedText = value;
                    }
                    case "--writes" -> writes = parseWrites(value);
                    default -> {
                        err.println(USAGE);
                        return 2;
                    }
                }
            }
            out.println("scheme md5=" + scheme.md5Hex() + " stop=" + scheme.stop() + " seed=" + seedText);
            for (String line : simulate(scheme, random, writes)) {
                out.println(line);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("padding: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("padding: cannot read the scheme: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * One line per packet: {@code packet 0: preamble 64 -> records [64]}, then
     * {@code packet N: write W -> records [a, b, ...]}; writes after {@code stop} are marked {@code unshaped}.
     */
    public static List<String> simulate(PaddingScheme scheme, RandomGenerator random, List<Integer> writes) {
        ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
        List<String> lines = new ArrayList<>();
        int preamble = 34 + scheme.drawPadding0(random);
        lines.add("packet 0: preamble " + preamble + " -> records [" + preamble + "]");
        PaddingWriter writer = new PaddingWriter(() -> scheme, random);
        for (int size : writes) {
            boolean wasActive = writer.isActive();
            List<ByteBuf> records = writer.shape(alloc.buffer(size).writeZero(size), alloc);
            List<Integer> sizes = new ArrayList<>();
            for (ByteBuf record : records) {
                sizes.add(record.readableBytes());
                record.release();
            }
            String packet = wasActive && writer.isActive() ? "packet " + writer.packetCounter() : "unshaped";
            lines.add(packet + ": write " + size + " -> records " + sizes);
        }
        return lines;
    }

    private static PaddingScheme readScheme(String file) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of(file));
        return PaddingScheme.parseReceived(raw).orElseThrow(() -> new IllegalArgumentException(
                file + " is not a valid padding scheme (it needs key=value lines and a 'stop=N' line)"));
    }

    private static List<Integer> parseWrites(String text) {
        List<Integer> writes = new ArrayList<>();
        for (String part : text.split(",")) {
            int size;
            try {
                size = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--writes takes sizes like 106,524,7, was '" + text + "'");
            }
            if (size < 1 || size > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("each write must be 1..16777216 bytes, was " + size);
            }
            writes.add(size);
        }
        return writes;
    }
}
