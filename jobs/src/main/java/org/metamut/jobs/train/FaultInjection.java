package org.metamut.jobs.train;

import java.io.Serializable;

/**
 * For tests of retry determinism: the first attempt of the Spark task that computes meta-batch slot
 * {@code slot} of outer step {@code step} throws, as if its executor had died; Spark retries it
 * ({@code spark.task.maxFailures}, {@code local[N,F]} in local mode). Never set by configuration.
 */
public record FaultInjection(long step, int slot) implements Serializable {
  private static final long serialVersionUID = 1L;
}
