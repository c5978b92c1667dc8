package org.metamut.jobs.ingest;

import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;
import org.metamut.lib.mutation.NotationException;

import java.util.List;

/** One substitution spread over a position column and two residue columns (e.g. FireProt). */
final class PositionColumnsAdapter implements RowAdapter {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> columns(SourceSpec spec) {
    return List.of(spec.positionColumn(), spec.wtResidueColumn(), spec.mtResidueColumn());
  }

  @Override
  public List<Mutation> variant(SourceSpec spec, Row row, String wildType, Notation notation) {
    String posText = row.get(spec.positionColumn()).strip();
    String wt = row.get(spec.wtResidueColumn()).strip();
    String mt = row.get(spec.mtResidueColumn()).strip();
    int pos;
    try {
      // FireProt writes some positions as "12.0"
      double d = Double.parseDouble(posText);
      if (d != Math.rint(d) || Math.abs(d) > 1e9) {
        throw new NumberFormatException();
      }
      pos = (int) d;
    } catch (NumberFormatException e) {
      throw new RowException(Reason.BAD_POSITION, "position '" + posText + "' in column " + spec.positionColumn()
          + " is not an integer");
    }
    if (wt.length() != 1 || mt.length() != 1) {
      throw new NotationException(NotationException.Reason.BAD_AMINO_ACID, "residues '" + wt + "' -> '" + mt
          + "' are not one-letter codes");
    }
    Mutation m = notation.substitution(pos, wt.charAt(0), mt.charAt(0), wildType, wt + pos + mt);
    return m.isSynonymous() ? List.of() : List.of(m);
  }
}
