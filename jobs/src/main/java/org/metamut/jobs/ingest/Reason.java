package org.metamut.jobs.ingest;

/**
 * Why a line went to quarantine (stored as the {@code reason} column). The notation reasons of
 * {@link org.metamut.lib.mutation.NotationException.Reason} are used under their own names as well.
 */
enum Reason {
  /** Wrong number of fields (e.g. a truncated line, a line of garbage). */
  BAD_COLUMNS,
  /** A quoted field is not closed, or text follows a closing quote. */
  BAD_QUOTING,
  /** Longer than metamut.ingest.max-line-bytes. */
  LINE_TOO_LONG,
  /** The file's header lacks a column the catalogue entry needs: every line of the file lands here. */
  MISSING_COLUMN,
  /** The value field is empty. */
  MISSING_VALUE,
  /** The value is not a number. */
  BAD_VALUE,
  /** The value is NaN or infinite. */
  NON_FINITE_VALUE,
  /** The value is not one of the entry's class-labels. */
  BAD_CLASS,
  /** The row's protein has no wild type (not in the wild-type table, empty protein field). */
  UNKNOWN_PROTEIN,
  /** The row's own wild-type sequence is not a sequence of letters. */
  BAD_WILD_TYPE,
  /** The position field is not an integer. */
  BAD_POSITION,
  /** The row is the wild type and metamut.ingest.wild-type-rows = quarantine. */
  WILD_TYPE,
  /** A residue letter in lower case and metamut.ingest.strict-residue-case = true. */
  LOWER_CASE_RESIDUE,
  /** Duplicates of a variant with a class target disagree on the class: all of them are quarantined. */
  CONFLICTING_CLASS_LABELS
}
