package org.metamut.lib.io;

import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.TransformerFactory;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a model file holds, i.e. everything needed to use the model on a new task: architecture, encoder,
 * target normalisation of its outputs, the adaptation recipe it was trained for (which learner, which parameters
 * adapt, steps, rate; {@link AdaptationRecipe}), provenance (free-form key → value, e.g. {@code code.version},
 * {@code seed}, {@code config}, {@code step}, {@code created}), θ in the layout of {@code ParamLayout.of(spec)} and,
 * for Meta-SGD models, one learned inner rate per parameter.
 *
 * @param innerRates learned inner rates (length = θ's) when {@code recipe.learnedRates()}, else null
 */
public record SavedModel(ModelSpec spec, EncoderSpec encoder, Normalisation normalisation, AdaptationRecipe recipe,
                         Map<String, String> provenance, double[] theta, double[] innerRates) implements Serializable {
  private static final long serialVersionUID = 1L;

  public SavedModel {
    if (spec == null || encoder == null || theta == null || recipe == null) {
      throw new IllegalArgumentException("a saved model needs a spec, an encoder spec, an adaptation recipe and θ");
    }
    if (theta.length != spec.numParams()) {
      throw new IllegalArgumentException("θ has length " + theta.length + ", the model (" + spec.summary() + ") has " + spec.numParams());
    }
    if (encoder.maxTokens() > spec.maxLen()) {
      throw new IllegalArgumentException("encoder maxTokens " + encoder.maxTokens() + " exceeds the model's maxLen " + spec.maxLen());
    }
    if (encoder.esm() && spec.vocabSize() != org.metamut.lib.encode.EsmEncoder.ALPHABET.size()) {
      throw new IllegalArgumentException("the ESM encoder writes ESM-2's " + org.metamut.lib.encode.EsmEncoder.ALPHABET.size()
          + " token ids; the model (" + spec.summary() + ") has a vocabulary of " + spec.vocabSize());
    }
    if (recipe.learnedRates() != (innerRates != null)) {
      throw new IllegalArgumentException(recipe.learnedRates()
          ? "the recipe uses learned inner rates but the model carries none" : "the model carries inner rates its recipe does not use");
    }
    if (innerRates != null && innerRates.length != theta.length) {
      throw new IllegalArgumentException("inner rates have length " + innerRates.length + ", θ has " + theta.length);
    }
    normalisation = normalisation == null ? Normalisation.none() : normalisation;
    provenance = provenance == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(provenance));
  }

  /** The factory that builds this model's architecture, computing in float32 or float64. */
  public ModelFactory factory(boolean float64) {
    return new TransformerFactory(spec, float64);
  }

  /** The same model with other parameters (and rates), e.g. after adaptation. */
  public SavedModel withParameters(double[] newTheta, double[] newRates, AdaptationRecipe newRecipe) {
    return new SavedModel(spec, encoder, normalisation, newRecipe, provenance, newTheta, newRates);
  }

  @Override
  public String toString() {
    return "SavedModel[" + spec.summary() + ", encoder " + encoder.kind() + "/" + encoder.maxTokens() + ", normalisation "
        + normalisation.method() + ", " + recipe.describe() + ", " + theta.length + " params, provenance "
        + provenance.keySet() + "]";
  }
}
