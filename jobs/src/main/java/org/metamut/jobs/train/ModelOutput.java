package org.metamut.jobs.train;

import org.metamut.lib.model.TransformerFactory;
import org.metamut.lib.model.ModelFactory;
import org.apache.hadoop.fs.Path;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.jobs.output.AtomicFile;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.NamedParams;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.ParamLayout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;

/**
 * Writes the meta-trained model. Transformer: {@code model.mmut} in the model file format
 * ({@link ModelFile}, with the adaptation recipe, Meta-SGD's learned rates and provenance: step, seed, algorithm,
 * config, episodes) and {@code params.json} (named
 * tensors in the layout of maml-reference.json, for comparisons with other frameworks). Other models:
 * {@code theta.json} (a plain array). Always {@code manifest.json} (provenance as JSON). The caller writes into
 * a staged folder that {@link org.metamut.jobs.output.OutputFolder} publishes; the model file itself is written
 * with {@link AtomicFile} too, so it is never seen half written.
 */
final class ModelOutput {
  private ModelOutput() {
  }

  /** File name of the model file inside the model folder. */
  static final String MODEL_FILE = "model.mmut";
  /** An unmarked {@code model/} folder holding this was written before markers existed. */
  static final java.util.Set<String> LEGACY_FILES = java.util.Set.of("manifest.json");

  static void write(RunFiles files, Path dir, ModelFactory factory, EncoderSpec encoder, double[] theta,
                    AdaptationRecipe recipe, double[] innerRates, String manifest, Map<String, String> provenance)
      throws IOException {
    if (factory instanceof TransformerFactory tf && encoder != null) {
      SavedModel saved = new SavedModel(tf.spec(), encoder, Normalisation.none(), recipe, provenance, theta, innerRates);
      AtomicFile.write(files.fs(), new Path(dir, MODEL_FILE), o -> ModelFile.writeTo(o, saved));
    }
    if (factory instanceof TransformerFactory tf) {
      java.nio.file.Path tmp = Files.createTempFile("metamut-params", ".json");
      try {
        NamedParams.writeJson(tmp, ParamLayout.of(tf.spec()), theta);
        try (OutputStream o = files.create(new Path(dir, "params.json"))) {
          Files.copy(tmp, o);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } else {
      try (OutputStream o = files.create(new Path(dir, "theta.json"))) {
        o.write(java.util.Arrays.toString(theta).getBytes(StandardCharsets.UTF_8));
      }
    }
    try (OutputStream o = files.create(new Path(dir, "manifest.json"))) {
      o.write(manifest.getBytes(StandardCharsets.UTF_8));
    }
  }
}
