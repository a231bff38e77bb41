package io.batchdiffusion.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ranked merges of {@code merges.txt}, with every symbol they mention interned to an int so that
 * looking a pair up is a probe in a flat hash table instead of building a string per pair.
 */
final class MergeTable {

    static final int NO_RANK = Integer.MAX_VALUE;
    static final int UNKNOWN = -1;

    private final Map<String, Integer> ids;
    private final List<String> symbols;
    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;

    /** {@code merges.get(r)} is the pair of rank {@code r}; a repeated pair keeps its last rank. */
    MergeTable(List<String[]> merges) {
        int capacity = Integer.highestOneBit(Math.max(4, merges.size() * 2 - 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        merged = new int[capacity];
        mask = capacity - 1;
        ids = new HashMap<>(capacity * 2);
        symbols = new ArrayList<>(capacity);
        java.util.Arrays.fill(keys, -1L);
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = merges.get(rank);
            int left = intern(pair[0]);
            int right = intern(pair[1]);
            int slot = slot(left, right);
            keys[slot] = key(left, right);
            ranks[slot] = rank;
            merged[slot] = intern(pair[0] + pair[1]);
        }
    }

    /** The symbol's id, or {@link #UNKNOWN} when no merge mentions it. */
    int id(String symbol) {
        Integer id = ids.get(symbol);
        return id == null ? UNKNOWN : id;
    }

    String symbol(int id) {
        return symbols.get(id);
    }

    /** The rank of merging {@code left} with {@code right}, or {@link #NO_RANK}. */
    int rank(int left, int right) {
        if (left == UNKNOWN || right == UNKNOWN) {
            return NO_RANK;
        }
        int slot = slot(left, right);
        return keys[slot] == key(left, right) ? ranks[slot] : NO_RANK;
    }

    /** The id of the symbol that merging {@code left} with {@code right} makes; the pair must rank. */
    int merge(int left, int right) {
        return merged[slot(left, right)];
    }

    private int intern(String symbol) {
        return ids.computeIfAbsent(symbol, s -> {
            symbols.add(s);
            return symbols.size() - 1;
        });
    }

    /** The pair's slot, or the empty slot where it would go (linear probing). */
    private int slot(int left, int right) {
        long key = key(left, right);
        long h = (key ^ (key >>> 33)) * 0xFF51AFD7ED558CCDL; // murmur3's finaliser
        h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
        int slot = (int) (h ^ (h >>> 33)) & mask;
        while (keys[slot] != -1L && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }
}
