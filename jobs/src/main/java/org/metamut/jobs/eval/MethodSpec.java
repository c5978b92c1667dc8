package org.metamut.jobs.eval;

import org.metamut.lib.encode.EncoderSpec;

import java.io.Serializable;

/**
 * One compared method as executors need it.
 *
 * @param name         the method's name in the report (e.g. {@code maml}, {@code fomaml/wt-mask}, {@code ridge-onehot})
 * @param kind         how a run adapts
 * @param adaptation   for neural methods: the meta-algorithm whose inner loop adapts θ ({@code anil}: the head only;
 *                     {@code fomaml}: every parameter, plain SGD); null for ridge
 * @param encoder      for neural methods, the mutation encoder; null for ridge
 * @param thetaKey     key of the method's initial θ in the broadcast map; null for ridge
 * @param trainSeconds wall time of the task-independent training charged to the method (meta-training, joint
 *                     pre-training; 0 when unknown or none)
 */
public record MethodSpec(String name, Kind kind, String adaptation, EncoderSpec encoder, String thetaKey,
                         double trainSeconds) implements Serializable {
  private static final long serialVersionUID = 1L;

  public enum Kind { NEURAL, RIDGE_ONEHOT, RIDGE_SUBSTITUTION }
}
