package org.metamut.jobs.train;

import org.metamut.lib.meta.NonFiniteException;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What meta-training does with a non-finite outer step (a task's NaN/Inf, a non-finite mean meta-gradient, an update
 * that would make φ non-finite): the step is <em>skipped</em> (φ and the optimiser state stay as they were), the outer
 * rate is multiplied by {@code rateFactor} for the rest of the run, and the step still counts, so the next step
 * draws another meta-batch. After more than {@code maxConsecutiveSkips} skipped steps in a row the run fails in one
 * line. The policy's state (rate scale, skips in a row, skips in all) travels in the checkpoints beside the
 * optimiser's, so a resumed run continues with the same rate and never replays the skipped step from a checkpoint
 * written after it; replaying from an earlier one reproduces the same skip (the batch and the fault are functions
 * of the seed and the step), so the resumed θ is the uninterrupted one.
 */
final class NanPolicy {
  /** The validated settings: {@code metamut.train.outer.nan.*}. */
  record Settings(int maxConsecutiveSkips, double rateFactor) implements Serializable {
    private static final long serialVersionUID = 1L;

    Settings {
      if (maxConsecutiveSkips < 0 || !(rateFactor > 0 && rateFactor <= 1)) {
        throw new IllegalArgumentException("NaN policy: max-consecutive-skips must be >= 0 and rate-factor in (0, 1], got "
            + maxConsecutiveSkips + " and " + rateFactor);
      }
    }
  }

  /** The checkpoint's optimiser-state entries that hold this policy's state (not the optimiser's). */
  static final String RATE_SCALE = "nan-policy.rate-scale";
  static final String IN_A_ROW = "nan-policy.skipped-in-a-row";
  static final String SKIPPED = "nan-policy.skipped";

  private final Settings settings;
  private double rateScale = 1.0;
  private long inARow;
  private long skipped;
  private long firstOfRow;

  NanPolicy(Settings settings) {
    this.settings = settings;
  }

  /** The factor on the optimiser's update: 1 until a step was skipped. */
  double rateScale() {
    return rateScale;
  }

  long skipped() {
    return skipped;
  }

  /** A step was applied: the row of skips ends (the rate stays lowered). */
  void applied() {
    inARow = 0;
  }

  /**
   * Step {@code step} was not finite ({@code e}): records the skip and lowers the rate; returns the line to say.
   *
   * @throws NonFiniteException (one line) once more than {@code maxConsecutiveSkips} steps in a row were skipped
   */
  String skip(long step, NonFiniteException e) {
    if (inARow == 0) {
      firstOfRow = step;
    }
    inARow++;
    if (inARow > settings.maxConsecutiveSkips()) {
      String row = inARow == 1 ? "" : " (" + inARow + " non-finite steps in a row, from step " + firstOfRow + ")";
      throw new NonFiniteException(e.getMessage() + row + "; lower metamut.train.outer.learning-rate or "
          + "metamut.train.inner.learning-rate, or allow more skips (metamut.train.outer.nan.max-consecutive-skips = "
          + settings.maxConsecutiveSkips() + "); --resume continues from the last checkpoint");
    }
    skipped++;
    rateScale *= settings.rateFactor();
    return "outer step " + step + " skipped (not applied): " + e.getMessage() + "; outer rate now x" + rateScale
        + " (" + inARow + " of at most " + settings.maxConsecutiveSkips() + " skips in a row)";
  }

  /** The state to checkpoint beside the optimiser's arrays. */
  Map<String, double[]> state() {
    Map<String, double[]> m = new LinkedHashMap<>();
    m.put(RATE_SCALE, new double[] {rateScale});
    m.put(IN_A_ROW, new double[] {inARow, firstOfRow});
    m.put(SKIPPED, new double[] {skipped});
    return m;
  }

  /**
   * Restores the policy's entries of a checkpoint's state (absent in checkpoints written before the policy: no skip)
   * and returns the other entries, the optimiser's.
   */
  Map<String, double[]> restore(Map<String, double[]> checkpointState) {
    Map<String, double[]> rest = new LinkedHashMap<>(checkpointState);
    double[] scale = rest.remove(RATE_SCALE);
    double[] row = rest.remove(IN_A_ROW);
    double[] all = rest.remove(SKIPPED);
    rateScale = scale == null ? 1.0 : scale[0];
    inARow = row == null ? 0 : (long) row[0];
    firstOfRow = row == null || row.length < 2 ? 0 : (long) row[1];
    skipped = all == null ? 0 : (long) all[0];
    if (!(rateScale > 0 && rateScale <= 1)) {
      throw new IllegalArgumentException("checkpoint NaN-policy rate scale " + rateScale + " is not in (0, 1]");
    }
    return rest;
  }
}
