package org.metamut.lib.meta;

import org.metamut.lib.model.TokenBatch;

import java.util.Objects;

/**
 * One task of a meta-batch: a support set to adapt on and a query set to measure the adapted model on.
 * {@code slot} is the task's position in its meta-batch (0-based); it fixes the order in which results are
 * summed, so it must be unique within a meta-batch.
 */
public record MetaTask(int slot, String taskId, TokenBatch support, TokenBatch query) {
  public MetaTask {
    if (slot < 0) {
      throw new IllegalArgumentException("meta-batch slot must be >= 0, got " + slot);
    }
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(support, () -> "task " + taskId + " has no support set");
    Objects.requireNonNull(query, () -> "task " + taskId + " has no query set");
    if (support.targets() == null || query.targets() == null) {
      throw new IllegalArgumentException("task " + taskId + ": support and query sets need targets");
    }
  }

  /** The same task in another slot. */
  public MetaTask withSlot(int newSlot) {
    return new MetaTask(newSlot, taskId, support, query);
  }

  /** Number of labelled examples (support + query). */
  public int examples() {
    return support.batchSize() + query.batchSize();
  }
}
