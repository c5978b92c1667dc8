package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The reference transformer ({@link Transformer}, DESIGN.md §6 plus the options of {@link ModelSpec}) in float32 or
 * float64.
 *
 * @param spec    the architecture
 * @param float64 compute in float64 (checks against reference numbers) instead of float32 (the default)
 * @param init    where the initial θ comes from: null = the §6 initialisation from the seed, else pretrained weights
 *                (a fine-tuned ESM-2 backbone)
 */
public record TransformerFactory(ModelSpec spec, boolean float64, InitialTheta init) implements ModelFactory {
  private static final long serialVersionUID = 3L;

  public TransformerFactory {
    if (spec == null) {
      throw new IllegalArgumentException("a transformer factory needs a model spec");
    }
  }

  /** The transformer of {@code spec} with the §6 random initialisation. */
  public TransformerFactory(ModelSpec spec, boolean float64) {
    this(spec, float64, null);
  }

  /** The same initialisation and precision with another spec (e.g. an option switched on). */
  public TransformerFactory withSpec(ModelSpec other) {
    return new TransformerFactory(other, float64, init);
  }

  /** The float32 transformer of {@code spec}. */
  public static TransformerFactory of(ModelSpec spec) {
    return new TransformerFactory(spec, false);
  }

  @Override
  public FlatModel create() {
    return new Transformer(spec, float64 ? DataType.DOUBLE : DataType.FLOAT);
  }

  @Override
  public double[] initialTheta(long seed) {
    if (init == null) {
      return ParamLayout.of(spec).initialise(seed);
    }
    double[] theta = init.theta(spec, seed);
    if (theta.length != numParams()) {
      throw new IllegalStateException(init.describe() + " gave " + theta.length + " parameters, the model (" + spec.summary()
          + ") has " + numParams());
    }
    return theta;
  }

  @Override
  public int numParams() {
    return spec.numParams();
  }

  @Override
  public ParamRange headRange() {
    return ParamLayout.of(spec).headRange();
  }

  @Override
  public String describe() {
    return "transformer " + spec.summary() + " " + (float64 ? "float64" : "float32") + ", " + numParams() + " parameters"
        + (init == null ? "" : ", initialised from " + init.describe());
  }
}
