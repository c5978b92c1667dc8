package org.metamut.lib.adapt;

/**
 * The equal-weight mixture of an ensemble's predictive distributions, accumulated member by member: its mean is the
 * members' mean, its SD √(mean σ² + var μ) (the law of total variance), so where members disagree the interval
 * widens. One implementation for every place an ensemble predicts ({@link AdaptedModel#withSd}, and the score job's
 * ensembles), so evaluate and score give an ensemble the same numbers.
 */
public final class Mixture {
  private final int members;
  private final double[] first;
  private final double[] second;
  private boolean withSd = true;
  private int added;

  /**
   * @param members how many members will be {@link #add}ed
   * @param size    predictions per member
   */
  public Mixture(int members, int size) {
    if (members < 1) {
      throw new IllegalArgumentException("a mixture needs at least one member, got " + members);
    }
    this.members = members;
    this.first = new double[size];
    this.second = new double[size];
  }

  /**
   * Adds one member's predictions (the first {@code size} entries of {@code mean}) and their SDs ({@code sd} null: this
   * member has none, and so then has the mixture).
   */
  public void add(double[] mean, double[] sd) {
    if (added == members) {
      throw new IllegalStateException("all " + members + " members were already added");
    }
    added++;
    withSd &= sd != null;
    for (int i = 0; i < first.length; i++) {
      first[i] += mean[i] / members;
      second[i] += withSd ? (sd[i] * sd[i] + mean[i] * mean[i]) / members : 0;
    }
  }

  /** The mixture's means: the members' mean prediction. */
  public double[] mean() {
    complete();
    return first;
  }

  /** The mixture's SDs, or null when a member had none. */
  public double[] sd() {
    complete();
    if (!withSd) {
      return null;
    }
    double[] out = new double[first.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.sqrt(Math.max(0, second[i] - first[i] * first[i]));
    }
    return out;
  }

  private void complete() {
    if (added != members) {
      throw new IllegalStateException(added + " of " + members + " members added");
    }
  }
}
