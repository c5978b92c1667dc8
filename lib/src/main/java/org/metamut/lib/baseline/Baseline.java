package org.metamut.lib.baseline;

import java.io.Serializable;
import java.util.List;

/**
 * A few-shot method that is fitted on a task's labelled support set only and then predicts the task's
 * query variants. Implementations must not keep state between calls: one instance is reused for every
 * task, seed and shot size.
 */
public interface Baseline extends Serializable {

  /** Method name used in result records and reports, e.g. {@code ridge-onehot}. */
  String name();

  /** Fits on the support set only (at least one example). */
  Predictor fit(List<LabelledVariant> support);
}
