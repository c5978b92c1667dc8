package org.metamut.lib.baseline;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.metamut.lib.mutation.Mutation;

/**
 * A variant of a protein: its wild-type sequence and the substitutions applied to it (1-based positions,
 * each position at most once, each wild-type letter checked against the sequence). No mutations = the
 * wild type itself.
 */
public record Variant(String wildType, List<Mutation> mutations) implements Serializable {

  public Variant {
    if (wildType == null || wildType.isEmpty()) {
      throw new IllegalArgumentException("variant needs a non-empty wild-type sequence");
    }
    mutations = List.copyOf(mutations);
    Set<Integer> seen = new HashSet<>();
    for (Mutation m : mutations) {
      if (m.pos() > wildType.length()) {
        throw new IllegalArgumentException("variant " + label(mutations) + ": position " + m.pos()
            + " is beyond the wild type's length " + wildType.length());
      }
      char actual = wildType.charAt(m.pos() - 1);
      if (actual != m.wt()) {
        throw new IllegalArgumentException("variant " + label(mutations) + ": wild type at " + m.pos() + " is '"
            + actual + "' but mutation " + m + " says '" + m.wt() + "'");
      }
      if (!seen.add(m.pos())) {
        throw new IllegalArgumentException("variant " + label(mutations) + ": position " + m.pos() + " mutated twice");
      }
    }
  }

  /** Convenience: {@code Variant.of(wt, "A23G", "L40P")}. */
  public static Variant of(String wildType, String... mutations) {
    return new Variant(wildType, java.util.Arrays.stream(mutations).map(Mutation::parse).toList());
  }

  /** The full mutant sequence. */
  public String mutantSequence() {
    char[] s = wildType.toCharArray();
    for (Mutation m : mutations) {
      s[m.pos() - 1] = m.mt();
    }
    return new String(s);
  }

  /** Mutations joined with ':', e.g. {@code A23G:L40P}; {@code WT} for none. */
  public String label() {
    return label(mutations);
  }

  private static String label(List<Mutation> ms) {
    return ms.isEmpty() ? "WT" : ms.stream().map(Mutation::toString).collect(Collectors.joining(":"));
  }

  @Override
  public String toString() {
    return "Variant[" + label() + " of a " + wildType.length() + "-residue wild type]";
  }
}
