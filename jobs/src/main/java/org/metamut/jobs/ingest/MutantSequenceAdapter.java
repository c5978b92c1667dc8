package org.metamut.jobs.ingest;

import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;
import org.metamut.lib.mutation.NotationException;

import java.util.List;

/**
 * A full mutant sequence diffed against the wild type. When the file also has the entry's
 * mutation-column, the label is parsed too and must name exactly the same substitutions
 * ({@code LABEL_SEQUENCE_DISAGREE} otherwise): a source that states a variant twice must agree with itself.
 */
final class MutantSequenceAdapter implements RowAdapter {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> columns(SourceSpec spec) {
    return List.of(spec.sequenceColumn());
  }

  @Override
  public List<Mutation> variant(SourceSpec spec, Row row, String wildType, Notation notation) {
    List<Mutation> fromSeq = Notation.diff(wildType, row.get(spec.sequenceColumn()));
    if (spec.mutationColumn() != null && row.has(spec.mutationColumn())) {
      String label = row.get(spec.mutationColumn());
      List<Mutation> fromLabel = notation.parseVariant(label, wildType);
      if (!fromLabel.equals(fromSeq)) {
        throw new NotationException(NotationException.Reason.LABEL_SEQUENCE_DISAGREE,
            "label '" + label + "' means " + Notation.format(fromLabel) + " but the sequence differs from the wild type"
                + " by " + Notation.format(fromSeq) + " (1-based)");
      }
    }
    return fromSeq;
  }
}
