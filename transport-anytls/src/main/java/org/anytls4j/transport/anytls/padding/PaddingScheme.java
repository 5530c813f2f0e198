package org.anytls4j.transport.anytls.padding;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.anytls4j.transport.anytls.frame.KeyValueText;

/**
 * A padding scheme (PADDING.md sections 2-5): its raw bytes, its MD5 identity and its lazily interpreted
 * packet lines. Immutable and thread-safe.
 *
 * <p>Validity is the reference's: at least one key=value entry and a {@code stop} that parses as a decimal
 * integer. Entries are interpreted each time sizes are drawn, exactly as the reference does, so unusable
 * entries simply vanish.
 */
public final class PaddingScheme {
    /** Marker in a size list for a check mark {@code c}. */
    public static final int CHECK_MARK = -1;

    /** The default scheme, 137 bytes, no trailing newline; MD5 {@code 75cff2ad89aadf5e257059ee571ebe11}. */
    public static final PaddingScheme DEFAULT = parse(String.join("\n",
            "stop=8",
            "0=30-30",
            "1=100-400",
            "2=400-500,c,500-1000,c,500-1000,c,500-1000,c,500-1000",
            "3=9-9,500-1000",
            "4=500-1000",
            "5=500-1000",
            "6=500-1000",
            "7=500-1000").getBytes(StandardCharsets.UTF_8), false)
            .orElseThrow();

    private final byte[] raw;
    private final String md5Hex;
    private final Map<String, String> lines;
    private final int stop;

    private PaddingScheme(byte[] raw, Map<String, String> lines, int stop) {
        this.raw = raw;
        this.lines = lines;
        this.stop = stop;
        this.md5Hex = md5Hex(raw);
    }

    /**
     * Parses a scheme received from a server: valid per the reference rules, empty otherwise. A negative
     * {@code stop} is accepted and means "never stop" (the reference converts it to a huge unsigned value).
     */
    public static Optional<PaddingScheme> parseReceived(byte[] raw) {
        return parse(raw, true);
    }

    /**
     * Parses a scheme configured on this side (a server's {@code padding_scheme}); a negative {@code stop} is
     * rejected here.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PaddingScheme parseConfigured(String text) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        Map<String, String> lines = KeyValueText.parse(text);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("padding scheme has no key=value lines");
        }
        String stopText = lines.get("stop");
        if (stopText == null) {
            throw new IllegalArgumentException("padding scheme has no 'stop=N' line");
        }
        Integer stop = KeyValueText.parseGoInt(stopText);
        if (stop == null) {
            throw new IllegalArgumentException("padding scheme 'stop' must be a decimal integer, was '"
                    + stopText.replace("\r", "\\r") + "'");
        }
        if (stop < 0) {
            throw new IllegalArgumentException("padding scheme 'stop' must be >= 0, was " + stop);
        }
        return new PaddingScheme(raw, lines, stop);
    }

    private static Optional<PaddingScheme> parse(byte[] raw, boolean allowNegativeStop) {
        Map<String, String> lines = KeyValueText.parse(raw);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        Integer stop = KeyValueText.parseGoInt(lines.get("stop"));
        if (stop == null) {
            return Optional.empty();
        }
        if (stop < 0) {
            if (!allowNegativeStop) {
                return Optional.empty();
            }
            stop = Integer.MAX_VALUE;
        }
        return Optional.of(new PaddingScheme(raw.clone(), lines, stop));
    }

    /** Packets {@code 0 .. stop-1} are shaped; {@link Integer#MAX_VALUE} for a received negative stop. */
    public int stop() {
        return stop;
    }

    /** Lowercase hex MD5 of the raw bytes, as sent in Settings {@code padding-md5}. */
    public String md5Hex() {
        return md5Hex;
    }

    /** The raw bytes, exactly as configured or received (sent verbatim in UpdatePaddingScheme). */
    public byte[] raw() {
        return raw.clone();
    }

    /** The raw text. */
    public String text() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    /**
     * Draws the record sizes of packet {@code packet} (PADDING.md sections 3-4): each range gives a size
     * uniform in {@code [min, max)} (exactly {@code min} when equal), check marks are {@link #CHECK_MARK},
     * unusable entries vanish. Empty when the scheme has no line for that packet.
     */
    public int[] drawSizes(int packet, RandomGenerator random) {
        String line = lines.get(Integer.toString(packet));
        if (line == null) {
            return new int[0];
        }
        List<Integer> sizes = new ArrayList<>();
        for (String entry : line.split(",", -1)) {
            if (entry.equals("c")) {
                sizes.add(CHECK_MARK);
                continue;
            }
            String[] parts = entry.split("-", -1);
            if (parts.length != 2) {
                continue;
            }
            Long a = KeyValueText.parseGoLong(parts[0]);
            Long b = KeyValueText.parseGoLong(parts[1]);
            if (a == null || b == null) {
                continue;
            }
            long min = Math.min(a, b);
            long max = Math.max(a, b);
            if (min <= 0 || max <= 0 || max > Integer.MAX_VALUE) {
                continue;
            }
            long size = min == max ? min : min + random.nextLong(max - min);
            sizes.add((int) size);
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The padding0 length of the authentication preamble (PADDING.md section 6). Check marks are skipped and the
     * first real size of line 0 is used, 0 if there is none: the reference's bug of sending 65535 for a leading
     * check mark is not reproduced.
     */
    public int drawPadding0(RandomGenerator random) {
        for (int size : drawSizes(0, random)) {
            if (size != CHECK_MARK) {
                return Math.min(size, 0xFFFF);
            }
        }
        return 0;
    }

    private static String md5Hex(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PaddingScheme other && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return "PaddingScheme(md5=" + md5Hex + ", stop=" + stop + ")";
    }

}
