package org.metamut.lib.mutation;

/**
 * One amino-acid substitution: {@code pos} is the <b>1-based</b> position in the protein's wild-type
 * sequence as stored in the {@code proteins} table, {@code wt} the wild-type residue there and {@code mt}
 * the substituted residue (both one-letter codes of the 20 standard amino acids).
 */
public record Mutation(int pos, char wt, char mt) implements Comparable<Mutation> {

  /** The 20 standard amino acids in the vocabulary order of DESIGN.md §6. */
  public static final String AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY";

  public Mutation {
    if (pos < 1) {
      throw new IllegalArgumentException("mutation position must be >= 1 (1-based), got " + pos);
    }
    if (!isAminoAcid(wt)) {
      throw new IllegalArgumentException("wild-type residue '" + wt + "' is not one of " + AMINO_ACIDS);
    }
    if (!isAminoAcid(mt)) {
      throw new IllegalArgumentException("mutant residue '" + mt + "' is not one of " + AMINO_ACIDS);
    }
  }

  public static boolean isAminoAcid(char c) {
    return AMINO_ACIDS.indexOf(c) >= 0;
  }

  /** Parses {@code <wt><pos><mt>} with a 1-based position, e.g. {@code A23G}. */
  public static Mutation parse(String s) {
    String t = s.strip();
    if (t.length() < 3) {
      throw new IllegalArgumentException("mutation '" + s + "' is not of the form <wt><position><mut>, e.g. A23G");
    }
    int pos;
    try {
      pos = Integer.parseInt(t.substring(1, t.length() - 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("mutation '" + s + "' has no integer position between its residues");
    }
    return new Mutation(pos, Character.toUpperCase(t.charAt(0)), Character.toUpperCase(t.charAt(t.length() - 1)));
  }

  /** True for a synonymous "substitution" (same residue). */
  public boolean isSynonymous() {
    return wt == mt;
  }

  @Override
  public int compareTo(Mutation o) {
    return pos != o.pos ? Integer.compare(pos, o.pos) : Character.compare(mt, o.mt);
  }

  @Override
  public String toString() {
    return "" + wt + pos + mt;
  }
}
