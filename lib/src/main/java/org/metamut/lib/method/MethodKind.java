package org.metamut.lib.method;

/** How a method gets its initial parameters and how the evaluate job runs it. */
public enum MethodKind {
  /** Meta-trained across tasks (MAML family, Reptile): trained by {@code meta-train}, adapted by its recipe. */
  META_LEARNER,
  /** Joint (multi-task) pre-training on the meta-train tasks, then k-shot fine-tuning of every parameter. */
  FINE_TUNE,
  /** A freshly initialised model, k-shot fine-tuned: the floor every learned initialisation must beat. */
  SCRATCH,
  /** A classical model fitted on the support set alone (no neural network, no pre-training). */
  BASELINE;

  /** Whether the method is a neural model adapted with an adaptation recipe. */
  public boolean neural() {
    return this != BASELINE;
  }
}
