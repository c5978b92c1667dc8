package org.metamut.jobs.train;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;

/** The DESIGN.md §6 transformer as configured by {@code metamut.model.*}; serialisable as plain fields. */
public final class TransformerFactory implements ModelFactory {
  private static final long serialVersionUID = 1L;

  private final int layers;
  private final int dModel;
  private final int heads;
  private final int ffDim;
  private final int maxTokens;
  private final String positional;
  private final String pooling;
  private final boolean useFlags;
  private final boolean float64;

  public TransformerFactory(ModelSpec spec, boolean float64) {
    if (spec.vocabSize() != ModelSpec.REFERENCE_VOCAB) {
      throw new IllegalArgumentException("only the 26-token vocabulary is supported, got " + spec.vocabSize());
    }
    this.layers = spec.layers();
    this.dModel = spec.dModel();
    this.heads = spec.heads();
    this.ffDim = spec.ffDim();
    this.maxTokens = spec.maxLen();
    this.positional = spec.positional().name();
    this.pooling = spec.pooling().name();
    this.useFlags = spec.useFlags();
    this.float64 = float64;
  }

  public static TransformerFactory from(MetamutConfig c) {
    return new TransformerFactory(ModelKeys.spec(c), ModelKeys.dataType(c) == DataType.DOUBLE);
  }

  public static EncoderSpec encoderSpec(MetamutConfig c) {
    return ModelKeys.encoder(c);
  }

  public ModelSpec spec() {
    return ModelSpec.reference(layers, dModel, heads, ffDim, maxTokens)
        .withPositional(ModelSpec.Positional.valueOf(positional))
        .withPooling(ModelSpec.Pooling.valueOf(pooling))
        .withFlags(useFlags);
  }

  @Override
  public FlatModel create() {
    return new Transformer(spec(), float64 ? DataType.DOUBLE : DataType.FLOAT);
  }

  @Override
  public double[] initialTheta(long seed) {
    return ParamLayout.of(spec()).initialise(seed);
  }

  @Override
  public int numParams() {
    return spec().numParams();
  }

  @Override
  public int headParams() {
    return dModel + 1;
  }

  @Override
  public boolean float64() {
    return float64;
  }

  @Override
  public String describe() {
    return "transformer " + spec().summary() + " " + (float64 ? "float64" : "float32") + ", " + numParams() + " parameters";
  }
}
