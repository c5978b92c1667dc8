package org.metamut.jobs.score;

import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;
import org.metamut.lib.mutation.NotationException;

import java.io.Serializable;
import java.util.List;

/**
 * Parses one cell of a library or labelled file: any notation the ingestion accepts (a list of
 * {@code <wt><pos><mut>} substitutions joined by {@code , : ;}, 0- or 1-based with an offset, a wild-type label
 * such as {@code WT}), or a full mutant sequence of the wild type's length, which is diffed against it.
 * Refusals come back as a rejected {@link Candidate} with the ingestion's reason code.
 */
record VariantParser(String wildType, Notation notation) implements Serializable {
  private static final long serialVersionUID = 1L;

  Candidate parse(long index, String text) {
    if (text == null || text.isBlank()) {
      return Candidate.rejected(index, text, NotationException.Reason.BAD_NOTATION.name(), "empty variant cell");
    }
    try {
      List<Mutation> muts = looksLikeSequence(text) ? Notation.diff(wildType, text) : notation.parseVariant(text, wildType);
      return Candidate.valid(index, text, muts);
    } catch (NotationException e) {
      return Candidate.rejected(index, text, e.reason().name(), e.getMessage());
    } catch (IllegalArgumentException e) {
      return Candidate.rejected(index, text, NotationException.Reason.BAD_NOTATION.name(), e.getMessage());
    }
  }

  /** Letters only, no separator, and longer than any single substitution could be: a full sequence. */
  private boolean looksLikeSequence(String text) {
    String t = text.strip();
    if (t.length() < Math.min(8, wildType.length()) || notation.isWildTypeLabel(t)) {
      return false;
    }
    for (int i = 0; i < t.length(); i++) {
      if (!Character.isLetter(t.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
