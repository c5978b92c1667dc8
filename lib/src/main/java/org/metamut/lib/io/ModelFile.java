package org.metamut.lib.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.provenance.BuildInfo;
import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;

/**
 * The model file: one self-describing binary, no Java serialisation.
 * <pre>
 *   bytes 0..7    magic "MMUTMODL"
 *   uint32 LE     format version ({@value #VERSION})
 *   uint32 LE     header length H
 *   H bytes       header, UTF-8 JSON: {"format": "metamut-model", "formatVersion", "spec" (ModelSpec),
 *                 "encoder" (EncoderSpec), "normalisation", "adaptation" (AdaptationRecipe), "innerRates" (bool),
 *                 "provenance" {string: string; code.version and code.git-commit are always added},
 *                 "dtype": "float64", "numParams", "tensors": [{"name", "shape", "offset"}]}
 *   8·numParams   θ, little-endian IEEE float64, in the tensor index's layout (= ParamLayout.of(spec))
 *   8·numParams   only when "innerRates" is true (Meta-SGD): one learned inner rate per parameter, same layout
 *   32 bytes      SHA-256 of everything before it
 * </pre>
 * Version 1 files (no "adaptation", no rates) are still read, with {@link AdaptationRecipe#legacy()}. Version 3 has the
 * layout of version 2 and is written only for models a version-2 reader cannot run (rotary positions, the ESM
 * encoder: a fine-tuned ESM-2 backbone, or the substitution block's context columns), so that such a reader refuses them by their version; every other model is
 * still written as version 2, byte for byte as before ({@link #formatVersion}).
 * θ is stored in float64, so a model saved and loaded predicts bit-identically. This class encodes and decodes;
 * the jobs write files atomically through their output layer. Reading checks, in order: the file's size against
 * {@link #MAX_BYTES} (before reading a byte), magic, version, checksum, header, the data length against the
 * parameter count the spec implies (counted in {@code long}, before the layout is built, so a crafted header with
 * huge dimensions and a valid checksum costs nothing), that the tensor index equals that layout, and that every
 * parameter is finite; each failure is an {@link InvalidModelFileException} saying which. Writing refuses a NaN or
 * infinite parameter too: a diverged model is never saved.
 */
public final class ModelFile {
  public static final String FORMAT = "metamut-model";
  public static final int VERSION = 3;
  /**
   * The largest model file read: 2 GiB less 1 KiB (the file is read into one byte array, whose length is an int).
   * The reference model is about 0.6 MB; a larger file is not a model this build could hold.
   */
  public static final long MAX_BYTES = (1L << 31) - 1024;
  static final byte[] MAGIC = "MMUTMODL".getBytes(StandardCharsets.US_ASCII);
  private static final int PREFIX = 16;
  private static final int DIGEST = 32;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private ModelFile() {
  }

  /**
   * The file's bytes. Writing them to a file is the jobs' output layer's concern ({@code org.metamut.jobs.output.AtomicFile}:
   * a temporary sibling renamed over the target), so readers never see a half-written model.
   */
  public static byte[] toBytes(SavedModel m) throws IOException {
    ParamLayout layout = ParamLayout.of(m.spec());
    ObjectNode h = JSON.createObjectNode();
    h.put("format", FORMAT);
    int version = formatVersion(m);
    h.put("formatVersion", version);
    h.set("spec", JSON.valueToTree(m.spec()));
    h.set("encoder", JSON.valueToTree(m.encoder()));
    h.set("normalisation", JSON.valueToTree(m.normalisation()));
    h.set("adaptation", JSON.valueToTree(m.recipe()));
    h.put("innerRates", m.innerRates() != null);
    // the code version is always recorded; a caller's own values win
    Map<String, String> prov = new java.util.TreeMap<>(m.provenance());
    BuildInfo build = BuildInfo.current();
    prov.putIfAbsent("code.version", build.version());
    prov.putIfAbsent("code.git-commit", build.gitCommit() + (build.dirty() ? "-dirty" : ""));
    h.set("provenance", JSON.valueToTree(prov));
    h.put("dtype", "float64");
    h.put("numParams", layout.numParams());
    ArrayNode ts = h.putArray("tensors");
    for (ParamLayout.Tensor t : layout.tensors()) {
      ObjectNode o = ts.addObject();
      o.put("name", t.name());
      ArrayNode shape = o.putArray("shape");
      for (int s : t.shape()) {
        shape.add(s);
      }
      o.put("offset", t.offset());
    }
    byte[] header = JSON.writeValueAsBytes(h);
    checkFinite(layout, m.theta(), "θ", "refusing to save a model with it (the training diverged)",
        IllegalArgumentException::new);
    if (m.innerRates() != null) {
      checkFinite(layout, m.innerRates(), "the inner rate", "refusing to save a model with it (the training diverged)",
          IllegalArgumentException::new);
    }
    double[] rates = m.innerRates() == null ? new double[0] : m.innerRates();
    ByteBuffer data = ByteBuffer.allocate(8 * (m.theta().length + rates.length)).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : m.theta()) {
      data.putDouble(v);
    }
    for (double v : rates) {
      data.putDouble(v);
    }
    return assemble(version, header, data.array());
  }

  /** The lowest format version that can hold {@code m}: 3 for rotary positions, the ESM encoder or context columns, else 2. */
  static int formatVersion(SavedModel m) {
    return m.spec().positional().rotary() || m.encoder().esm() || m.spec().substitutionContext() ? 3 : 2;
  }

  /** magic + version + header length + header + data + SHA-256 (package-private so tests can craft bad files). */
  static byte[] assemble(int version, byte[] header, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(PREFIX + header.length + data.length + DIGEST).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(version).putInt(header.length).put(header).put(data);
    b.put(Sha256.digest(b.array(), 0, b.position()));
    return b.array();
  }


  /** Reads and checks a model file (see the class doc); refuses a file over {@link #MAX_BYTES} before reading it. */
  public static SavedModel read(Path file) throws IOException {
    return read(file, MAX_BYTES);
  }

  /** {@link #read(Path)} with another size bound (package-private: tests use a small one instead of a 2 GiB file). */
  static SavedModel read(Path file, long maxBytes) throws IOException {
    byte[] bytes;
    long size;
    try {
      size = Files.size(file);
      bytes = size > maxBytes ? null : Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IOException("model file " + file + ": cannot be read: " + e.getMessage(), e);
    }
    if (bytes == null) {
      throw new InvalidModelFileException(file, "is " + size + " bytes, more than the largest model file this build "
          + "reads (" + maxBytes + " bytes); it is not a metamut model file, or it is corrupt");
    }
    return decode(file, bytes);
  }

  static SavedModel decode(Path file, byte[] bytes) throws InvalidModelFileException {
    int version = checkFrame(file, bytes);
    int headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
    JsonNode h = header(file, bytes, headerLen);
    Header parts = parts(file, h, version);
    boolean hasRates = version >= 2 && h.path("innerRates").asBoolean(false);
    // sized in long from the spec before anything is allocated: a crafted header cannot exhaust memory
    long numParams = ParamLayout.count(parts.spec());
    long dataLen = (long) bytes.length - PREFIX - headerLen - DIGEST;
    if (numParams > ParamLayout.MAX_PARAMS || dataLen != 8L * numParams * (hasRates ? 2 : 1)) {
      String expected = numParams > ParamLayout.MAX_PARAMS ? "more than " + 8L * ParamLayout.MAX_PARAMS
          : String.valueOf(8L * numParams * (hasRates ? 2 : 1));
      throw new InvalidModelFileException(file, "holds " + dataLen + " data bytes, expected " + expected + " for the "
          + (numParams == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(numParams)) + " float64 parameters of "
          + parts.spec().summary() + (hasRates ? " and as many inner rates" : ""));
    }
    ParamLayout layout = ParamLayout.of(parts.spec());
    checkTensorIndex(file, h, parts.spec(), layout);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.position(PREFIX + headerLen);
    double[] theta = new double[layout.numParams()];
    for (int i = 0; i < theta.length; i++) {
      theta[i] = b.getDouble();
    }
    double[] rates = hasRates ? new double[theta.length] : null;
    for (int i = 0; hasRates && i < rates.length; i++) {
      rates[i] = b.getDouble();
    }
    String why = "the model diverged before it was saved; retrain it or use an earlier checkpoint";
    checkFinite(layout, theta, "θ", why, msg -> new InvalidModelFileException(file, msg));
    if (rates != null) {
      checkFinite(layout, rates, "the inner rate", why, msg -> new InvalidModelFileException(file, msg));
    }
    try {
      return new SavedModel(parts.spec(), parts.encoder(), parts.normalisation(), parts.recipe(), parts.provenance(),
          theta, rates);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelFileException(file, "inconsistent: " + e.getMessage(), e);
    }
  }

  /** Throws {@code error} naming the first NaN or infinite value of {@code values} and its tensor. */
  private static <E extends Exception> void checkFinite(ParamLayout layout, double[] values, String what, String why,
                                                        java.util.function.Function<String, E> error) throws E {
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        final int at = i;
        String tensor = layout.tensors().stream().filter(t -> at >= t.offset() && at < t.offset() + t.size())
            .map(ParamLayout.Tensor::name).findFirst().orElse("?");
        throw error.apply(what + "[" + i + "] (" + tensor + ") is " + values[i] + "; " + why);
      }
    }
  }

  /** Magic, size, format version, header length and checksum; returns the format version. */
  private static int checkFrame(Path file, byte[] bytes) throws InvalidModelFileException {
    if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new InvalidModelFileException(file, "not a metamut model file (it does not start with \"MMUTMODL\")");
    }
    if (bytes.length < PREFIX + DIGEST) {
      throw new InvalidModelFileException(file, "truncated: " + bytes.length + " bytes, shorter than the fixed parts ("
          + (PREFIX + DIGEST) + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int version = b.getInt(8);
    if (version > VERSION || version < 1) {
      throw new InvalidModelFileException(file, "format version " + version + " is not supported by this build (reads version "
          + VERSION + "); use the metamut version that wrote it");
    }
    int headerLen = b.getInt(12);
    if (headerLen < 0 || (long) PREFIX + headerLen + DIGEST > bytes.length) {
      throw new InvalidModelFileException(file, "truncated: its header claims " + headerLen + " bytes but the file has "
          + bytes.length);
    }
    byte[] want = Arrays.copyOfRange(bytes, bytes.length - DIGEST, bytes.length);
    if (!MessageDigest.isEqual(want, Sha256.digest(bytes, 0, bytes.length - DIGEST))) {
      throw new InvalidModelFileException(file, "checksum mismatch: the file is corrupt or truncated (" + bytes.length + " bytes)");
    }
    return version;
  }

  private static JsonNode header(Path file, byte[] bytes, int headerLen) throws InvalidModelFileException {
    JsonNode h;
    try {
      h = JSON.readTree(new String(bytes, PREFIX, headerLen, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new InvalidModelFileException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!FORMAT.equals(h.path("format").asText())) {
      throw new InvalidModelFileException(file, "header format is '" + h.path("format").asText() + "', expected '" + FORMAT + "'");
    }
    if (!"float64".equals(h.path("dtype").asText())) {
      throw new InvalidModelFileException(file, "data type '" + h.path("dtype").asText() + "' is not supported (float64 only)");
    }
    return h;
  }

  /** The typed parts of a header. */
  private record Header(ModelSpec spec, EncoderSpec encoder, Normalisation normalisation, AdaptationRecipe recipe,
                        Map<String, String> provenance) {
  }

  private static Header parts(Path file, JsonNode h, int version) throws InvalidModelFileException {
    Header parts;
    try {
      parts = new Header(JSON.treeToValue(h.get("spec"), ModelSpec.class), JSON.treeToValue(h.get("encoder"), EncoderSpec.class),
          JSON.treeToValue(h.get("normalisation"), Normalisation.class),
          version >= 2 ? JSON.treeToValue(h.get("adaptation"), AdaptationRecipe.class) : AdaptationRecipe.legacy(),
          JSON.convertValue(h.get("provenance"), JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new InvalidModelFileException(file, "incompatible header (spec, encoder, normalisation or adaptation recipe "
          + "this build cannot use): " + e.getMessage(), e);
    }
    if (parts.spec() == null || parts.encoder() == null || parts.recipe() == null) {
      throw new InvalidModelFileException(file, "header lacks the model spec, the encoder spec or the adaptation recipe");
    }
    return parts;
  }

  /** The header's tensor index must be exactly the layout this build derives from the spec. */
  private static void checkTensorIndex(Path file, JsonNode h, ModelSpec spec, ParamLayout layout)
      throws InvalidModelFileException {
    JsonNode ts = h.path("tensors");
    if (h.path("numParams").asInt(-1) != layout.numParams() || ts.size() != layout.tensors().size()) {
      throw new InvalidModelFileException(file, "incompatible: the tensor index (" + ts.size() + " tensors, " + h.path("numParams").asInt(-1)
          + " parameters) does not match the layout of " + spec.summary() + " (" + layout.tensors().size() + " tensors, "
          + layout.numParams() + " parameters)");
    }
    for (int i = 0; i < ts.size(); i++) {
      ParamLayout.Tensor t = layout.tensors().get(i);
      JsonNode e = ts.get(i);
      int[] shape = new int[e.path("shape").size()];
      for (int j = 0; j < shape.length; j++) {
        shape[j] = e.path("shape").get(j).asInt();
      }
      if (!t.name().equals(e.path("name").asText()) || !Arrays.equals(shape, t.shape()) || e.path("offset").asInt(-1) != t.offset()) {
        throw new InvalidModelFileException(file, "incompatible: tensor " + i + " is " + e.path("name").asText() + Arrays.toString(shape)
            + " at " + e.path("offset").asInt(-1) + ", this build lays out " + t);
      }
    }
  }

  /** Writes the bytes of a model to a stream (e.g. for shipping inside another archive). */
  public static void writeTo(OutputStream out, SavedModel m) throws IOException {
    out.write(toBytes(m));
  }
}
