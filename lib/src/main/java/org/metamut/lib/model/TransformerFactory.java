package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The reference transformer ({@link Transformer}, DESIGN.md §6 plus the options of {@link ModelSpec}) in float32 or
 * float64.
 *
 * @param spec    the architecture
 * @param float64 compute in float64 (checks against reference numbers) instead of float32 (the default)
 */
public record TransformerFactory(ModelSpec spec, boolean float64) implements ModelFactory {
  private static final long serialVersionUID = 2L;

  public TransformerFactory {
    if (spec == null) {
      throw new IllegalArgumentException("a transformer factory needs a model spec");
    }
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
    return ParamLayout.of(spec).initialise(seed);
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
    return "transformer " + spec.summary() + " " + (float64 ? "float64" : "float32") + ", " + numParams() + " parameters";
  }
}
