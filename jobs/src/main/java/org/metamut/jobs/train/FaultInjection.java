package org.metamut.jobs.train;

import java.io.Serializable;

/**
 * Faults a test injects into the Spark tasks of a meta-training run; never set by configuration.
 * {@link Kind#TASK_FAILURE}: the first attempt of the task that computes meta-batch slot {@code slot} of outer step
 * {@code step} throws, as if its executor had died; Spark retries it ({@code spark.task.maxFailures}, {@code local[N,F]}
 * in local mode). {@link Kind#NON_FINITE}: at every step from {@code step} to {@code lastStep}, slot {@code slot}
 * computes its meta-gradient from a φ whose first value is NaN, so the real computation diverges (every attempt), as
 * a numerically unstable batch would.
 */
public record FaultInjection(long step, int slot, Kind kind, long lastStep) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What the fault does. */
  public enum Kind { TASK_FAILURE, NON_FINITE }

  /** A failure of the first attempt of one task. */
  public FaultInjection(long step, int slot) {
    this(step, slot, Kind.TASK_FAILURE, step);
  }

  /** A non-finite meta-gradient at slot {@code slot} of steps {@code first..last}. */
  public static FaultInjection nonFinite(long first, long last, int slot) {
    return new FaultInjection(first, slot, Kind.NON_FINITE, last);
  }

  boolean hits(long s, int sl) {
    return s >= step && s <= lastStep && sl == slot;
  }
}
