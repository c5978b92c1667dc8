package org.metamut.jobs.score;

import org.apache.spark.sql.Row;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Output rows made lazily from a partition's candidates, one candidate at a time, so a partition's rows are never
 * held together: {@code row} gives a candidate's row, or null when it has none in this pass (a valid candidate in
 * the rejected pass, a rejected one in the scoring pass); {@code atEnd} runs once when the candidates run out.
 */
final class CandidateRows implements Iterator<Row> {
  private final Iterator<Candidate> in;
  private final Function<Candidate, Row> row;
  private final Runnable atEnd;
  private Row next;
  private boolean ended;

  CandidateRows(Iterator<Candidate> in, Function<Candidate, Row> row, Runnable atEnd) {
    this.in = in;
    this.row = row;
    this.atEnd = atEnd;
  }

  @Override
  public boolean hasNext() {
    while (next == null && in.hasNext()) {
      next = row.apply(in.next());
    }
    if (next == null && !ended) {
      ended = true;
      atEnd.run();
    }
    return next != null;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = next;
    next = null;
    return r;
  }
}
