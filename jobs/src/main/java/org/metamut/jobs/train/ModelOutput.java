package org.metamut.jobs.train;

import org.apache.hadoop.fs.Path;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.NamedParams;
import org.metamut.lib.model.ParamLayout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Writes the meta-trained model: {@code params.json} (named tensors, {@link NamedParams}' layout) for the
 * transformer, or {@code theta.json} (a plain array) for other models, and {@code manifest.json} (provenance).
 */
final class ModelOutput {
  private ModelOutput() {
  }

  static void write(RunFiles files, Path dir, ModelFactory factory, EncoderSpec encoder, double[] theta, String manifest)
      throws IOException {
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
