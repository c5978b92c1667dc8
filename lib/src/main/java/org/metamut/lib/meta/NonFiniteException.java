package org.metamut.lib.meta;

/**
 * A loss, gradient or parameter became NaN or infinite while computing one task; the message names the task,
 * its slot, the phase and the inner step, so the run stops with a clear reason instead of corrupting θ.
 */
public final class NonFiniteException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  public NonFiniteException(String message) {
    super(message);
  }

  static void check(double value, String what, MetaTask task, String phase) {
    if (!Double.isFinite(value)) {
      throw new NonFiniteException(where(task, phase) + ": " + what + " is " + value);
    }
  }

  static void check(double[] v, String what, MetaTask task, String phase) {
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new NonFiniteException(where(task, phase) + ": " + what + " is " + v[i] + " at parameter index " + i);
      }
    }
  }

  private static String where(MetaTask task, String phase) {
    return "task " + task.taskId() + " (meta-batch slot " + task.slot() + "), " + phase;
  }
}
