package org.metamut.lib.esm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The bundled tiny checkpoint, and a minimal safetensors writer to derive modified checkpoints from it. */
final class TestCheckpoints {
  private TestCheckpoints() {
  }

  /** {@code lib/src/test/resources/esm2-tiny}. */
  static Path tiny() {
    try {
      return Path.of(TestCheckpoints.class.getResource("/esm2-tiny/config.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A tensor to write: F32 values, or raw bytes under another dtype. */
  record Tensor(String dtype, long[] shape, byte[] data) {
    static Tensor f32(long[] shape, float[] values) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(values);
      return new Tensor("F32", shape, b.array());
    }
  }

  /** Every tensor of a safetensors file, as F32. */
  static Map<String, Tensor> readAll(Path file) {
    SafeTensors st = SafeTensors.open(file);
    Map<String, Tensor> out = new LinkedHashMap<>();
    st.entries().forEach((n, e) -> out.put(n, Tensor.f32(e.shape(), st.floats(n))));
    return out;
  }

  /** Writes tensors in order, contiguously, with the header the format specifies. */
  static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    ObjectNode header = new ObjectMapper().createObjectNode();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", e.getValue().dtype());
      ArrayNode shape = t.putArray("shape");
      for (long s : e.getValue().shape()) {
        shape.add(s);
      }
      t.putArray("data_offsets").add(offset).add(offset + e.getValue().data().length);
      offset += e.getValue().data().length;
    }
    writeRaw(file, header.toString(), tensors.values().stream().map(Tensor::data).toArray(byte[][]::new));
  }

  /** Writes a header verbatim (hostile-input tests) followed by the data. */
  static void writeRaw(Path file, String header, byte[]... data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      out.write(h);
      for (byte[] d : data) {
        out.write(d);
      }
    }
  }

  /** A copy of the tiny checkpoint in {@code dir} with its tensors transformed (renamed, dropped, converted). */
  static Path derived(Path dir, UnaryOperator<Map<String, Tensor>> change) throws IOException {
    Files.createDirectories(dir);
    for (String f : new String[] {EsmCheckpoint.CONFIG, EsmCheckpoint.VOCAB}) {
      Files.copy(tiny().resolve(f), dir.resolve(f));
    }
    write(dir.resolve(EsmCheckpoint.WEIGHTS), change.apply(readAll(tiny().resolve(EsmCheckpoint.WEIGHTS))));
    return dir;
  }
}
