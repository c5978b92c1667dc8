package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.List;

/**
 * A variant's one-hot difference from its wild type, as sparse keys: what a closed-form head's site block reads
 * ({@code org.metamut.lib.adapt.SiteBlock}). The one-hot encoding of the whole mutant sequence differs from the wild
 * type's only at the mutated positions: +1 at (position, mutant residue), −1 at (position, wild-type residue). The
 * constant wild-type part carries nothing once features are centred, so these two entries per mutation are the
 * whole encoding; the −1 entry is what lets a linear model share a site's effect between different substitutions
 * there (the ridge-one-hot baseline's {@code OneHotFeaturizer} for the same reason).
 *
 * <p>A key is {@code (protein << 24) | (position << 5) | residue}, non-negative, where {@code protein} is 31 bits of a
 * 64-bit hash of the wild-type sequence (so variants of different proteins in one pooled task never share a column,
 * and one protein's variants share them whichever task or file they came from), {@code position} is 1-based (below
 * 2^19) and {@code residue} is the index in {@link Mutation#AMINO_ACIDS}. A −1 entry is stored as {@code ~key}
 * (negative). A residue outside the 20 standard ones adds no entry.
 */
public final class SiteKeys {
  private static final int MAX_POSITION = (1 << 19) - 1;

  private SiteKeys() {
  }

  /** The keys of a variant of {@code wildType}: for each mutation, its mutant residue's key then {@code ~} its wild type's. */
  public static long[] of(String wildType, List<Mutation> mutations) {
    long protein = proteinHash(wildType);
    List<Long> keys = new ArrayList<>(2 * mutations.size());
    for (Mutation m : mutations) {
      if (m.pos() < 1 || m.pos() > MAX_POSITION) {
        throw new IllegalArgumentException("mutation " + m + ": position outside 1.." + MAX_POSITION);
      }
      int mt = Mutation.AMINO_ACIDS.indexOf(Character.toUpperCase(m.mt()));
      int wt = Mutation.AMINO_ACIDS.indexOf(Character.toUpperCase(m.wt()));
      if (mt >= 0) {
        keys.add(key(protein, m.pos(), mt));
      }
      if (wt >= 0) {
        keys.add(~key(protein, m.pos(), wt));
      }
    }
    return keys.stream().mapToLong(Long::longValue).toArray();
  }

  /** The column key of an entry (the entry's own key for +1, {@code ~entry} for −1). */
  public static long column(long entry) {
    return entry >= 0 ? entry : ~entry;
  }

  /** The value of an entry in its column: +1 (the mutant residue) or −1 (the wild-type residue it replaced). */
  public static double value(long entry) {
    return entry >= 0 ? 1.0 : -1.0;
  }

  private static long key(long protein, int pos, int residue) {
    return (protein << 24) | ((long) pos << 5) | residue;
  }

  /** 31 bits of FNV-1a 64 over the upper-cased sequence: the protein's identity in a key. */
  private static long proteinHash(String wildType) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < wildType.length(); i++) {
      h ^= Character.toUpperCase(wildType.charAt(i));
      h *= 0x100000001b3L;
    }
    return (h ^ (h >>> 31)) & 0x7FFFFFFFL;
  }
}
