package org.metamut.lib.model;

import java.io.Serializable;

/**
 * A contiguous range {@code [from, to)} of indices into θ, e.g. the parameters an inner loop adapts.
 */
public record ParamRange(int from, int to) implements Serializable {
  private static final long serialVersionUID = 1L;

  public ParamRange {
    if (from < 0 || to <= from) {
      throw new IllegalArgumentException("parameter range [" + from + ", " + to + ") is empty or negative");
    }
  }

  /** Every parameter of a model with {@code n} of them. */
  public static ParamRange all(int n) {
    return new ParamRange(0, n);
  }

  /** The last {@code count} of {@code n} parameters. */
  public static ParamRange trailing(int n, int count) {
    return new ParamRange(n - count, n);
  }

  public int size() {
    return to - from;
  }

  public boolean contains(int i) {
    return i >= from && i < to;
  }

  /** Throws unless the range lies inside a model of {@code n} parameters. */
  public ParamRange requireWithin(int n) {
    if (to > n) {
      throw new IllegalArgumentException("parameter range [" + from + ", " + to + ") exceeds the model's " + n
          + " parameters");
    }
    return this;
  }

  @Override
  public String toString() {
    return "[" + from + ", " + to + ")";
  }
}
