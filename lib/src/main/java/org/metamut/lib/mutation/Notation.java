package org.metamut.lib.mutation;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How one source writes substitutions, and the parser for it. A source position {@code p} maps to the
 * 1-based position {@code p - offset + (indexBase == 0 ? 1 : 0)} in the wild-type sequence: e.g. METL's
 * 0-based {@code P0A} is position 1; a UniProt-numbered {@code V29A} in a sequence that starts at residue
 * 24 ({@code offset = 23}) is position 6.
 *
 * <p>A variant is a list of substitutions joined by any of {@code separators} ({@code "A23G:D40K"},
 * {@code "P0A,R3K"}); one of {@code wildTypeLabels} (case-insensitive, e.g. {@code WT}) means the wild type
 * (an empty list). {@link #parseVariant} validates against the wild-type sequence and returns the
 * canonical form: substitutions sorted by position, synonymous ones ({@code A23A}) removed, positions
 * unique. Immutable and serialisable (it travels to Spark executors).
 *
 * @param indexBase      0 or 1: the base of the source's positions
 * @param offset         subtracted from the source position after the base is applied (numbering offset)
 * @param separators     characters that separate substitutions of one variant
 * @param wildTypeLabels labels meaning "the wild type itself", compared case-insensitively
 */
public record Notation(int indexBase, int offset, String separators, Set<String> wildTypeLabels)
    implements Serializable {

  public Notation {
    if (indexBase != 0 && indexBase != 1) {
      throw new IllegalArgumentException("index base must be 0 or 1, got " + indexBase);
    }
    Objects.requireNonNull(separators);
    wildTypeLabels = Set.copyOf(wildTypeLabels.stream().map(s -> s.toUpperCase(Locale.ROOT)).toList());
  }

  /** 1-based, no offset, separators {@code , : ;}, wild type written {@code WT}. */
  public static Notation oneBased() {
    return new Notation(1, 0, ",:;", Set.of("WT"));
  }

  public Notation withIndexBase(int base) {
    return new Notation(base, offset, separators, wildTypeLabels);
  }

  public Notation withOffset(int off) {
    return new Notation(indexBase, off, separators, wildTypeLabels);
  }

  /** The 1-based sequence position of a source position. */
  public int toOneBased(int sourcePos) {
    return sourcePos - offset + (indexBase == 0 ? 1 : 0);
  }

  /** The source position of a 1-based sequence position (inverse of {@link #toOneBased}). */
  public int toSource(int oneBased) {
    return oneBased + offset - (indexBase == 0 ? 1 : 0);
  }

  public boolean isWildTypeLabel(String text) {
    return wildTypeLabels.contains(text.strip().toUpperCase(Locale.ROOT));
  }

  /**
   * Parses and validates a variant against {@code wildType}; returns the canonical substitutions (sorted,
   * synonymous ones removed; empty = wild type).
   *
   * @throws NotationException with the reason and a sentence naming the text
   */
  public List<Mutation> parseVariant(String text, String wildType) {
    String t = text.strip();
    if (isWildTypeLabel(t)) {
      return List.of();
    }
    if (t.isEmpty()) {
      throw new NotationException(NotationException.Reason.BAD_NOTATION, "empty mutation label");
    }
    List<Mutation> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= t.length(); i++) {
      if (i == t.length() || separators.indexOf(t.charAt(i)) >= 0) {
        String part = t.substring(start, i).strip();
        if (part.isEmpty()) {
          throw new NotationException(NotationException.Reason.BAD_NOTATION,
              "empty substitution in '" + abbreviate(t) + "'");
        }
        Mutation m = parseOne(part, wildType);
        if (!m.isSynonymous()) {
          out.add(m);
        } else {
          checkNoDuplicate(out, m.pos(), t);
        }
        start = i + 1;
      }
    }
    return canonical(out, t);
  }

  /** One substitution {@code <wt><pos><mt>} in this notation, validated against the wild type. */
  public Mutation parseOne(String part, String wildType) {
    if (part.length() < 3) {
      throw new NotationException(NotationException.Reason.BAD_NOTATION,
          "'" + abbreviate(part) + "' is not of the form <wt><position><mut>, e.g. A23G");
    }
    char wt = Character.toUpperCase(part.charAt(0));
    char mt = Character.toUpperCase(part.charAt(part.length() - 1));
    String digits = part.substring(1, part.length() - 1);
    int srcPos;
    if (!isInteger(digits)) {
      throw new NotationException(NotationException.Reason.BAD_NOTATION,
          "'" + abbreviate(part) + "' has no integer position between its residues");
    }
    try {
      srcPos = Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw new NotationException(NotationException.Reason.BAD_NOTATION,
          "'" + abbreviate(part) + "' has a position that is not an integer");
    }
    return substitution(srcPos, wt, mt, wildType, part);
  }

  /**
   * A substitution given as separate source position and residues (e.g. FireProt's columns), validated.
   *
   * @param label how to name it in messages (e.g. the raw columns)
   */
  public Mutation substitution(int sourcePos, char wt, char mt, String wildType, String label) {
    char w = Character.toUpperCase(wt);
    char m = Character.toUpperCase(mt);
    if (!Mutation.isAminoAcid(w)) {
      throw new NotationException(NotationException.Reason.BAD_AMINO_ACID,
          "wild-type residue '" + w + "' in '" + abbreviate(label) + "' is not one of " + Mutation.AMINO_ACIDS);
    }
    if (!Mutation.isAminoAcid(m)) {
      throw new NotationException(NotationException.Reason.BAD_AMINO_ACID,
          "mutant residue '" + m + "' in '" + abbreviate(label) + "' is not one of " + Mutation.AMINO_ACIDS);
    }
    int pos = toOneBased(sourcePos);
    if (pos < 1 || pos > wildType.length()) {
      throw new NotationException(NotationException.Reason.POSITION_OUT_OF_RANGE,
          "position " + sourcePos + " in '" + abbreviate(label) + "' is sequence position " + pos
              + ", outside 1.." + wildType.length());
    }
    char seqWt = wildType.charAt(pos - 1);
    if (seqWt != w) {
      throw new NotationException(NotationException.Reason.WT_MISMATCH,
          "wild type at " + sourcePos + " (sequence position " + pos + ") is '" + w + "' in '"
              + abbreviate(label) + "' but the sequence has '" + seqWt + "'");
    }
    return new Mutation(pos, w, m);
  }

  /**
   * The substitutions that turn {@code wildType} into {@code mutant} (same length required), 1-based.
   *
   * @throws NotationException for a length difference or a letter that is not a standard amino acid
   */
  public static List<Mutation> diff(String wildType, String mutant) {
    String m = mutant.strip();
    if (m.length() != wildType.length()) {
      throw new NotationException(NotationException.Reason.SEQUENCE_LENGTH_MISMATCH,
          "mutant sequence has length " + m.length() + " but the wild type has " + wildType.length());
    }
    List<Mutation> out = new ArrayList<>();
    for (int i = 0; i < m.length(); i++) {
      char a = wildType.charAt(i);
      char b = Character.toUpperCase(m.charAt(i));
      if (a != b) {
        if (!Mutation.isAminoAcid(b)) {
          throw new NotationException(NotationException.Reason.BAD_AMINO_ACID,
              "mutant sequence has '" + b + "' at position " + (i + 1) + ", not one of " + Mutation.AMINO_ACIDS);
        }
        out.add(new Mutation(i + 1, a, b));
      }
    }
    return out;
  }

  /** {@code A23G:D40K} style text of canonical substitutions (1-based); {@code WT} for none. */
  public static String format(List<Mutation> muts) {
    if (muts.isEmpty()) {
      return "WT";
    }
    StringBuilder sb = new StringBuilder();
    for (Mutation m : muts) {
      if (sb.length() > 0) {
        sb.append(':');
      }
      sb.append(m);
    }
    return sb.toString();
  }

  private static List<Mutation> canonical(List<Mutation> muts, String text) {
    List<Mutation> sorted = muts;
    if (muts.size() > 1) {
      sorted.sort(null);
    }
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).pos() == sorted.get(i - 1).pos()) {
        throw new NotationException(NotationException.Reason.DUPLICATE_POSITION,
            "position " + sorted.get(i).pos() + " is substituted twice in '" + abbreviate(text) + "'");
      }
    }
    return List.copyOf(sorted);
  }

  private static void checkNoDuplicate(List<Mutation> muts, int pos, String text) {
    for (Mutation m : muts) {
      if (m.pos() == pos) {
        throw new NotationException(NotationException.Reason.DUPLICATE_POSITION,
            "position " + pos + " is substituted twice in '" + abbreviate(text) + "'");
      }
    }
  }

  private static boolean isInteger(String s) {
    int i = s.startsWith("-") ? 1 : 0;
    if (i == s.length()) {
      return false;
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
