package org.metamut.lib.library;

import org.metamut.lib.mutation.Mutation;

import java.io.Serializable;
import java.util.List;

/**
 * An index-addressable, lazily generated library of variants of one wild-type sequence.
 *
 * <p>{@link #get} is a pure function of the index: calling it for the indices of any partitioning of
 * {@code [0, size)} yields the same variants. Implementations are immutable and thread-safe.
 */
public interface VariantLibrary extends Serializable {

  /** The wild-type sequence the variants refer to (1-based positions). */
  String wildType();

  /** Exact number of variants. */
  long size();

  /**
   * The variant at {@code index} ({@code 0 <= index < size()}): canonical substitutions, sorted by position,
   * none synonymous, at least one.
   */
  List<Mutation> get(long index);

  /** One line for logs and provenance, e.g. {@code singles(L=56, 1,064 variants)}. */
  String describe();

  /** Checks an index against the size; throws naming both. */
  default void checkIndex(long index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException("variant index " + index + " outside [0, " + size() + ") of " + describe());
    }
  }

  /** Checks that every residue of a wild-type sequence is one of the 20 standard amino acids. */
  static String requireStandard(String wildType) {
    if (wildType == null || wildType.isEmpty()) {
      throw new IllegalArgumentException("wild-type sequence is empty");
    }
    for (int i = 0; i < wildType.length(); i++) {
      if (!Mutation.isAminoAcid(wildType.charAt(i))) {
        throw new IllegalArgumentException("wild-type sequence has '" + wildType.charAt(i) + "' at position " + (i + 1)
            + ", not one of " + Mutation.AMINO_ACIDS + "; generated libraries need a standard sequence");
      }
    }
    return wildType;
  }
}
