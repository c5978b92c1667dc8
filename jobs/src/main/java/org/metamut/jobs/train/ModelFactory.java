package org.metamut.jobs.train;

import org.metamut.lib.model.FlatModel;

import java.io.Serializable;

/**
 * How executors build their model and the driver its initial θ; a small serialisable description (never the
 * model itself). {@link TransformerFactory} is the production one; tests and benchmarks may use others.
 */
public interface ModelFactory extends Serializable {

  /** A new model instance (one per executor thread; see {@link ExecutorCache}). */
  FlatModel create();

  /** Initial θ from a seed. */
  double[] initialTheta(long seed);

  int numParams();

  /** Trailing parameters of θ that form the head (ANIL's inner loop adapts only these). */
  int headParams();

  /** Whether the model computes in float64 (sets the default HVP step). */
  boolean float64();

  /** One line for logs and provenance. */
  String describe();
}
