package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.metamut.lib.library.VariantLibrary;

import java.io.Serializable;
import java.util.Iterator;
import java.util.function.Function;

/** Turns the rows of one partition into library candidates, lazily (one at a time). */
interface CandidateSource<T> extends Serializable {

  Iterator<Candidate> candidates(Iterator<T> in);

  /** A lazy view of {@code in} through {@code f}: one element converted per {@code next()}. */
  private static <A> Iterator<Candidate> map(Iterator<A> in, Function<? super A, Candidate> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return in.hasNext();
      }

      @Override
      public Candidate next() {
        return f.apply(in.next());
      }
    };
  }

  /** A generated library: the partition's indices (from {@code spark.range}) are generated on the spot. */
  record Generated(VariantLibrary library) implements CandidateSource<Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Candidate> candidates(Iterator<Long> in) {
      return map(in, i -> Candidate.valid(i, null, library.get(i)));
    }
  }

  /** A library file: rows {@code (index, text)} parsed in any accepted notation. */
  record FromFile(VariantParser parser) implements CandidateSource<Row> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Candidate> candidates(Iterator<Row> in) {
      return map(in, r -> parser.parse(r.getLong(0), r.isNullAt(1) ? null : r.getString(1)));
    }
  }
}
