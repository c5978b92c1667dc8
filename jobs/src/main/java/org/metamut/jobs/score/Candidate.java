package org.metamut.jobs.score;

import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.util.List;

/**
 * One library entry on its way to being scored or rejected: its index (library index, or 1-based row of a
 * library file), the input text, and either the canonical mutations or a reason code and message.
 */
record Candidate(long index, String input, List<Mutation> mutations, String reason, String message) {

  static Candidate valid(long index, String input, List<Mutation> muts) {
    return new Candidate(index, input, muts, null, null);
  }

  static Candidate rejected(long index, String input, String reason, String message) {
    return new Candidate(index, input, null, reason, message);
  }

  boolean isValid() {
    return mutations != null;
  }

  /** Canonical text, {@code A23G:D40K} ({@code WT} for none). */
  String variantText() {
    return Notation.format(mutations);
  }
}
