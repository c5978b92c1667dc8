package org.metamut.jobs.ingest;

import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.io.Serializable;
import java.util.List;

/**
 * Turns the fields of one data row into a canonical variant (1-based substitutions, sorted, no synonymous
 * ones), validated against the wild type. One implementation per file format; adding a format is one
 * class here plus a {@link SourceSpec.Format} constant. Implementations are stateless and serialisable.
 */
interface RowAdapter extends Serializable {

  /** The columns this adapter reads (besides value, protein and wild-type columns). */
  List<String> columns(SourceSpec spec);

  /**
   * The variant of one row.
   *
   * @throws org.metamut.lib.mutation.NotationException for notation and wild-type problems
   * @throws RowException for other problems of the row
   */
  List<Mutation> variant(SourceSpec spec, Row row, String wildType, Notation notation);

  /** Field access by column name for one row. */
  interface Row {
    /** The field of {@code column} (never null; the caller checked the column exists). */
    String get(String column);

    /** True if the file's header has this column. */
    boolean has(String column);
  }

  /** A row problem that is not a notation problem. */
  final class RowException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Reason reason;

    RowException(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  static RowAdapter of(SourceSpec.Format f) {
    return switch (f) {
      case SUBSTITUTIONS -> new SubstitutionAdapter();
      case MUTANT_SEQUENCE -> new MutantSequenceAdapter();
      case POSITION_COLUMNS -> new PositionColumnsAdapter();
    };
  }
}
