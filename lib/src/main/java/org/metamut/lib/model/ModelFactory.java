package org.metamut.lib.model;

import java.io.Serializable;

/**
 * Builds a model wherever it runs (driver, executor, test) from a small serialisable description — never the
 * model itself, which holds native buffers. This is the seam where another backbone plugs in: the rest of the
 * system (meta-learners, adaptation, the Spark jobs) sees only {@link FlatModel} and this factory.
 *
 * <p>{@link TransformerFactory} is the production implementation (DESIGN.md §6).
 */
public interface ModelFactory extends Serializable {

  /** A new model instance: one per thread, since models keep scratch buffers. */
  FlatModel create();

  /** The initial θ, deterministic from {@code seed}. */
  double[] initialTheta(long seed);

  /** Length of θ. */
  int numParams();

  /** The parameters that head-only adaptation (ANIL) moves. */
  ParamRange headRange();

  /** Whether the model computes in float64 (float32 otherwise); sets, e.g., the default HVP step. */
  boolean float64();

  /** One line for logs and provenance. */
  String describe();
}
