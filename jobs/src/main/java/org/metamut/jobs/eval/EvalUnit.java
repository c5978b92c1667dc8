package org.metamut.jobs.eval;

import java.io.Serializable;

/** One run: a method on one (task, k, seed) draw. {@code task} indexes the broadcast task list. */
public record EvalUnit(int task, int k, long seed, int method, int[] support, int[] query) implements Serializable {
  private static final long serialVersionUID = 1L;
}
