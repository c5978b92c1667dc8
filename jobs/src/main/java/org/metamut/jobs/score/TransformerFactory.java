package org.metamut.jobs.score;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Creates the reference transformer ({@link Transformer}, float32) from the fields of a {@link ModelSpec}
 * (kept as plain fields, since the spec record is not serialisable).
 */
public record TransformerFactory(int vocabSize, int maxLen, int dModel, int heads, int ffDim, int layers,
                                 String positional, String pooling, boolean useFlags) implements ModelFactory {
  private static final long serialVersionUID = 1L;

  public static TransformerFactory of(ModelSpec s) {
    return new TransformerFactory(s.vocabSize(), s.maxLen(), s.dModel(), s.heads(), s.ffDim(), s.layers(),
        s.positional().name(), s.pooling().name(), s.useFlags());
  }

  public ModelSpec spec() {
    return new ModelSpec(vocabSize, maxLen, dModel, heads, ffDim, layers, 0.0, ModelSpec.Positional.valueOf(positional),
        ModelSpec.Pooling.valueOf(pooling), useFlags);
  }

  @Override
  public FlatModel create() {
    return new Transformer(spec(), DataType.FLOAT);
  }

  @Override
  public int numParams() {
    return spec().numParams();
  }

  @Override
  public String describe() {
    return "transformer(" + spec().summary() + ", float32)";
  }
}
