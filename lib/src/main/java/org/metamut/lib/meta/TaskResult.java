package org.metamut.lib.meta;

import java.io.Serializable;

/**
 * What one task contributes to an outer step: its meta-gradient (null for evaluation-only results or a failed
 * task), its loss before adaptation ({@code preLoss}: support loss at θ for MAML-type learners, support ∪ query
 * for Reptile, query loss at θ for evaluation) and after ({@code postLoss}: query loss at the adapted θ'), its
 * number of examples, the device that computed it (a GPU address, or "cpu") and an error message if it failed.
 */
public record TaskResult(int slot, String taskId, double[] grad, double preLoss, double postLoss, int examples,
                         String device, String error) implements Serializable {
  private static final long serialVersionUID = 1L;

  public static TaskResult failed(int slot, String taskId, String device, String error) {
    return new TaskResult(slot, taskId, null, Double.NaN, Double.NaN, 0, device, error);
  }

  public TaskResult onDevice(String dev) {
    return new TaskResult(slot, taskId, grad, preLoss, postLoss, examples, dev, error);
  }

  public boolean failed() {
    return error != null;
  }
}
