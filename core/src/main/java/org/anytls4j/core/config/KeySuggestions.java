package org.anytls4j.core.config;

import java.util.Collection;
import java.util.Optional;

/** Finds the valid key an operator most likely meant, by edit distance. Stateless. */
final class KeySuggestions {
    private KeySuggestions() {
    }

    /**
     * The candidate nearest to {@code typed}, if it is close enough to be a typo: at most
     * {@code max(2, typed.length() / 3)} single-character edits. Ties go to the alphabetically first.
     */
    static Optional<String> nearest(String typed, Collection<String> candidates) {
        int limit = Math.max(2, typed.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates.stream().sorted().toList()) {
            int distance = distance(typed.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance, with '-' and '_' counted as equal (kebab-case habits from mihomo). */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = same(a.charAt(i - 1), b.charAt(j - 1)) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static boolean same(char x, char y) {
        return x == y || (x == '-' || x == '_') && (y == '-' || y == '_');
    }
}
