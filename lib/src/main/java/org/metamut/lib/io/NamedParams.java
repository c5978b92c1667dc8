package org.metamut.lib.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.metamut.lib.model.ParamLayout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Named-parameter export and import, so the model can be compared value by value with another framework.
 * <ul>
 *   <li>JSON: {@code {"param_order": [names...], "params": {name: nested row-major lists}}}, the layout of
 *       {@code maml-reference.json} (extra top-level keys are ignored on import).</li>
 *   <li>NumPy: one {@code <name>.npy} per tensor (format 1.0, {@code <f8}, C order) in a directory.</li>
 * </ul>
 * Import checks that every tensor of the layout is present with its exact shape and refuses unknown tensors.
 */
public final class NamedParams {
  private static final ObjectMapper JSON = new ObjectMapper();

  private NamedParams() {
  }

  public static void writeJson(Path file, ParamLayout layout, double[] theta) throws IOException {
    checkLength(layout, theta, file);
    ObjectNode root = JSON.createObjectNode();
    ArrayNode order = root.putArray("param_order");
    ObjectNode params = root.putObject("params");
    for (ParamLayout.Tensor t : layout.tensors()) {
      order.add(t.name());
      params.set(t.name(), nested(theta, t.offset(), t.shape(), 0));
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      JSON.writeValue(out, root);
    }
  }

  private static JsonNode nested(double[] theta, int offset, int[] shape, int dim) {
    ArrayNode a = JSON.createArrayNode();
    int stride = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    for (int i = 0; i < shape[dim]; i++) {
      if (dim == shape.length - 1) {
        a.add(theta[offset + i]);
      } else {
        a.add(nested(theta, offset + i * stride, shape, dim + 1));
      }
    }
    return a;
  }

  public static double[] readJson(Path file, ParamLayout layout) throws IOException {
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      root = JSON.readTree(in);
    }
    return fromJson(root, layout, file.toString());
  }

  /** θ from an already parsed JSON tree of the {@link #writeJson} layout; {@code source} names it in errors. */
  public static double[] fromJson(JsonNode root, ParamLayout layout, String source) {
    JsonNode params = root.get("params");
    if (params == null || !params.isObject()) {
      throw new IllegalArgumentException(source + ": no \"params\" object");
    }
    for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!layout.has(name)) {
        throw new IllegalArgumentException(source + ": tensor '" + name + "' is not a parameter of this model (have " + layout.names() + ")");
      }
    }
    double[] theta = new double[layout.numParams()];
    for (ParamLayout.Tensor t : layout.tensors()) {
      JsonNode node = params.get(t.name());
      if (node == null) {
        throw new IllegalArgumentException(source + ": tensor '" + t.name() + "' is missing");
      }
      List<Integer> shape = new ArrayList<>();
      for (JsonNode n = node; n.isArray(); n = n.size() > 0 ? n.get(0) : null) {
        shape.add(n.size());
        if (n.size() == 0) {
          break;
        }
      }
      int[] got = shape.stream().mapToInt(Integer::intValue).toArray();
      if (!Arrays.equals(got, t.shape())) {
        throw new IllegalArgumentException(source + ": tensor '" + t.name() + "' has shape " + Arrays.toString(got)
            + ", the model expects " + Arrays.toString(t.shape()));
      }
      int[] pos = {t.offset()};
      flatten(node, theta, pos, source, t.name());
    }
    return theta;
  }

  private static void flatten(JsonNode node, double[] theta, int[] pos, String source, String name) {
    if (node.isArray()) {
      for (JsonNode c : node) {
        flatten(c, theta, pos, source, name);
      }
    } else if (node.isNumber()) {
      theta[pos[0]++] = node.doubleValue();
    } else {
      throw new IllegalArgumentException(source + ": tensor '" + name + "' holds a non-number " + node);
    }
  }

  /** Writes {@code <dir>/<name>.npy} for every tensor (little-endian float64, C order). */
  public static void writeNpy(Path dir, ParamLayout layout, double[] theta) throws IOException {
    checkLength(layout, theta, dir);
    Files.createDirectories(dir);
    for (ParamLayout.Tensor t : layout.tensors()) {
      String shape = t.shape().length == 1 ? "(" + t.shape()[0] + ",)"
          : "(" + String.join(", ", Arrays.stream(t.shape()).mapToObj(Integer::toString).toList()) + ")";
      String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
      int unpadded = 10 + dict.length() + 1;
      int pad = (64 - unpadded % 64) % 64;
      String header = dict + " ".repeat(pad) + "\n";
      ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 8 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
      buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
      buf.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < t.size(); i++) {
        buf.putDouble(theta[t.offset() + i]);
      }
      Files.write(dir.resolve(t.name() + ".npy"), buf.array());
    }
  }

  /** Reads what {@link #writeNpy} wrote (float64 or float32, little-endian, C order, shape checked). */
  public static double[] readNpy(Path dir, ParamLayout layout) throws IOException {
    double[] theta = new double[layout.numParams()];
    for (ParamLayout.Tensor t : layout.tensors()) {
      Path f = dir.resolve(t.name() + ".npy");
      if (!Files.exists(f)) {
        throw new IllegalArgumentException(dir + ": tensor file " + f.getFileName() + " is missing");
      }
      ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
      if (buf.remaining() < 10 || (buf.get() & 0xff) != 0x93) {
        throw new IllegalArgumentException(f + ": not a .npy file");
      }
      buf.position(6);
      int major = buf.get();
      buf.get();
      int hlen = major == 1 ? buf.getShort() & 0xffff : buf.getInt();
      byte[] h = new byte[hlen];
      buf.get(h);
      String header = new String(h, StandardCharsets.US_ASCII);
      boolean f8 = header.contains("'<f8'");
      if (!f8 && !header.contains("'<f4'")) {
        throw new IllegalArgumentException(f + ": only little-endian float64/float32 are supported, header " + header.strip());
      }
      if (header.contains("'fortran_order': True")) {
        throw new IllegalArgumentException(f + ": Fortran order is not supported");
      }
      String shapeText = header.replaceAll(".*'shape': \\(([^)]*)\\).*", "$1").strip();
      int[] shape = Arrays.stream(shapeText.split(",")).map(String::strip).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
      if (!Arrays.equals(shape, t.shape())) {
        throw new IllegalArgumentException(f + ": shape " + Arrays.toString(shape) + ", the model expects " + Arrays.toString(t.shape()));
      }
      if (buf.remaining() != (f8 ? 8 : 4) * t.size()) {
        throw new IllegalArgumentException(f + ": " + buf.remaining() + " data bytes, expected " + (f8 ? 8 : 4) * t.size());
      }
      for (int i = 0; i < t.size(); i++) {
        theta[t.offset() + i] = f8 ? buf.getDouble() : buf.getFloat();
      }
    }
    return theta;
  }

  private static void checkLength(ParamLayout layout, double[] theta, Path target) {
    if (theta.length != layout.numParams()) {
      throw new IllegalArgumentException("writing " + target + ": θ has length " + theta.length + ", the layout has " + layout.numParams());
    }
  }
}
