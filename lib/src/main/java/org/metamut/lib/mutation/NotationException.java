package org.metamut.lib.mutation;

/**
 * A mutation notation or a variant that cannot be accepted, with a stable reason code (quarantine tables
 * group by it) and a sentence that names the offending text.
 */
public final class NotationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Why a variant was refused. Codes are stable strings stored in the quarantine table. */
  public enum Reason {
    /** The text is not {@code <wt><pos><mt>} (or a list of them). */
    BAD_NOTATION,
    /** A residue letter is not one of the 20 standard amino acids. */
    BAD_AMINO_ACID,
    /** The position is outside the wild-type sequence. */
    POSITION_OUT_OF_RANGE,
    /** The stated wild-type residue differs from the sequence at that position. */
    WT_MISMATCH,
    /** The same position is substituted twice in one variant. */
    DUPLICATE_POSITION,
    /** A full mutant sequence has another length than the wild type. */
    SEQUENCE_LENGTH_MISMATCH,
    /** A mutation label and a full mutant sequence of the same row disagree. */
    LABEL_SEQUENCE_DISAGREE
  }

  private final Reason reason;

  public NotationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
