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
 * @param encoderKind  for neural methods, the mutation encoder's kind ({@code EncoderSpec} is not serialisable); null
 *                     for ridge
 * @param maxTokens    the encoder's token budget
 * @param thetaKey     key of the method's initial θ in the broadcast map; null for ridge
 * @param trainSeconds wall time of the task-independent training charged to the method (meta-training, joint
 *                     pre-training; 0 when unknown or none)
 */
public record MethodSpec(String name, Kind kind, String adaptation, String encoderKind, int maxTokens, String thetaKey,
                         double trainSeconds) implements Serializable {
  private static final long serialVersionUID = 1L;

  public EncoderSpec encoder() {
    return new EncoderSpec(encoderKind, maxTokens);
  }

  public enum Kind { NEURAL, RIDGE_ONEHOT, RIDGE_SUBSTITUTION }
}
