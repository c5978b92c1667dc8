package org.metamut.jobs.ingest;

import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.util.List;

/** A mutation-label column: {@code A23G}, {@code A23G:D40K}, {@code P0A,R3K}, {@code WT}. */
final class SubstitutionAdapter implements RowAdapter {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> columns(SourceSpec spec) {
    return List.of(spec.mutationColumn());
  }

  @Override
  public List<Mutation> variant(SourceSpec spec, Row row, String wildType, Notation notation) {
    return notation.parseVariant(row.get(spec.mutationColumn()), wildType);
  }
}
