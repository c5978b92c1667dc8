package org.metamut.lib.io;

import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a model file holds: architecture, encoder, target normalisation, provenance (free-form key → value,
 * e.g. {@code code.version}, {@code git.commit}, {@code seed}, {@code config}, {@code data.<name>.sha256},
 * {@code step}, {@code created}) and θ in the layout of {@code ParamLayout.of(spec)}.
 */
public record SavedModel(ModelSpec spec, EncoderSpec encoder, Normalisation normalisation, Map<String, String> provenance,
                         double[] theta) {
  public SavedModel {
    if (spec == null || encoder == null || theta == null) {
      throw new IllegalArgumentException("a saved model needs a spec, an encoder spec and θ");
    }
    if (theta.length != spec.numParams()) {
      throw new IllegalArgumentException("θ has length " + theta.length + ", the model (" + spec.summary() + ") has " + spec.numParams());
    }
    if (encoder.maxTokens() > spec.maxLen()) {
      throw new IllegalArgumentException("encoder maxTokens " + encoder.maxTokens() + " exceeds the model's maxLen " + spec.maxLen());
    }
    normalisation = normalisation == null ? Normalisation.none() : normalisation;
    provenance = provenance == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(provenance));
  }

  @Override
  public String toString() {
    return "SavedModel[" + spec.summary() + ", encoder " + encoder.kind() + "/" + encoder.maxTokens() + ", normalisation "
        + normalisation.method() + ", " + theta.length + " params, provenance " + provenance.keySet() + "]";
  }
}
