package org.metamut.jobs.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Model selection on meta-val: the best evaluation so far (highest mean query Spearman; the earliest of equal ones)
 * and early stopping after {@code patience} evaluations in a row without a strict improvement (0 = never stop
 * early). Pure bookkeeping, no data: the loop offers each evaluation and keeps φ of the best step itself.
 */
public final class ModelSelection {
  /** One point of the meta-val curve. */
  public record Point(long step, double metric) {
  }

  private final int patience;
  private final List<Point> curve = new ArrayList<>();
  private Point best;
  private int sinceBest;

  public ModelSelection(int patience) {
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    this.patience = patience;
  }

  /** Records an evaluation; true when it is the new best (a NaN metric never is). */
  public boolean offer(long step, double metric) {
    Point p = new Point(step, metric);
    curve.add(p);
    if (!Double.isNaN(metric) && (best == null || metric > best.metric())) {
      best = p;
      sinceBest = 0;
      return true;
    }
    sinceBest++;
    return false;
  }

  /** True when the last {@code patience} evaluations did not improve on the best (never with patience 0). */
  public boolean shouldStop() {
    return patience > 0 && best != null && sinceBest >= patience;
  }

  /** The best evaluation so far, or null before any (or when every metric was NaN). */
  public Point best() {
    return best;
  }

  /** Evaluations since the best one. */
  int sinceBest() {
    return sinceBest;
  }

  public List<Point> curve() {
    return List.copyOf(curve);
  }
}
