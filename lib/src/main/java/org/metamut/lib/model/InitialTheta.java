package org.metamut.lib.model;

import java.io.Serializable;

/**
 * Where a {@link TransformerFactory}'s initial θ comes from when it is not the §6 random initialisation: a pretrained
 * backbone (e.g. {@code org.metamut.lib.esm.EsmBackbone.Init}, an ESM-2 checkpoint). Serialisable and small (a path,
 * not the weights), since the factory travels to executors; only the driver calls {@link #theta}.
 */
public interface InitialTheta extends Serializable {

  /** The initial θ of {@code spec} (the same for every seed when it is pretrained weights). */
  double[] theta(ModelSpec spec, long seed);

  /** One line for logs, provenance and a run's identity: what the weights are (and their fingerprint). */
  String describe();
}
