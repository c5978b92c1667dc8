package org.metamut.jobs.score;

import org.metamut.lib.mutation.Mutation;

import java.io.Serializable;
import java.util.List;

/**
 * Turns a variant of a wild-type sequence into token ids for the model. The score job's view of an encoder:
 * {@link #encode} returns the ids of one variant (at most {@link #maxLen()} long, no padding) or throws
 * {@link Unencodable} with a reason when the variant cannot be represented (e.g. its sites do not fit in one
 * window), which sends it to the rejected table rather than failing the job.
 */
public interface VariantEncoder extends Serializable {

  /** Longest token sequence produced. */
  int maxLen();

  /** Token ids of a variant (1-based canonical mutations; empty = the wild type). */
  int[] encode(String wildType, List<Mutation> mutations);

  /** One line for provenance, e.g. {@code separator(window=64)}. */
  String describe();

  /** A variant that this encoder cannot represent; {@code reason} is a stable code. */
  final class Unencodable extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public Unencodable(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }
}
