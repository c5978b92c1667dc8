package org.metamut.jobs.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.metamut.lib.model.ModelSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model file as the score job reads and writes it: θ (float32), the architecture, the encoder, the score
 * scale (label mean and sd of an adapted model) and provenance, with a SHA-256 of θ that is checked on read.
 *
 * <p>Interim format ({@code metamut-score-model/1}, one JSON file) until the model branch's model file
 * ({@code org.metamut.lib.io}) lands; then reading and writing delegate to it, and the scale moves into its
 * provenance.
 *
 * @param kind     {@code initial}, {@code meta-trained} or {@code adapted}
 * @param identity {@code <kind>-<first 12 hex of SHA-256(θ)>}
 */
public record ModelFile(String kind, ModelSpec spec, VariantEncoder encoder, ScoringModel.ScoreScale scale,
                        Map<String, Object> provenance, float[] theta, String identity) {

  public static final String FORMAT = "metamut-score-model/1";

  public static ModelFile of(String kind, ModelSpec spec, VariantEncoder encoder, ScoringModel.ScoreScale scale,
                             Map<String, Object> provenance, float[] theta) {
    if (theta.length != spec.numParams()) {
      throw new IllegalArgumentException("θ has " + theta.length + " values, the architecture " + spec.summary() + " has "
          + spec.numParams());
    }
    return new ModelFile(kind, spec, encoder, scale, provenance, theta, kind + "-" + sha256(theta).substring(0, 12));
  }

  public ScoringModel scoringModel() {
    return new ScoringModel(identity, TransformerFactory.of(spec), encoder, scale);
  }

  public double[] thetaDouble() {
    double[] d = new double[theta.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = theta[i];
    }
    return d;
  }

  public static float[] toFloat(double[] theta) {
    float[] f = new float[theta.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) theta[i];
    }
    return f;
  }

  static String sha256(float[] theta) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(theta)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(float[] theta) {
    ByteBuffer b = ByteBuffer.allocate(theta.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(theta);
    return b.array();
  }

  public void write(Path file) throws IOException {
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = om.createObjectNode();
    root.put("format", FORMAT);
    root.put("kind", kind);
    root.put("identity", identity);
    ObjectNode s = root.putObject("spec");
    TransformerFactory f = TransformerFactory.of(spec);
    s.put("vocab_size", f.vocabSize()).put("max_len", f.maxLen()).put("d_model", f.dModel()).put("heads", f.heads())
        .put("ff_dim", f.ffDim()).put("layers", f.layers()).put("positional", f.positional()).put("pooling", f.pooling())
        .put("use_flags", f.useFlags());
    if (!(encoder instanceof SeparatorEncoder se)) {
      throw new IOException("cannot write encoder " + encoder.describe() + " to " + FORMAT);
    }
    root.putObject("encoder").put("kind", "separator").put("max_len", se.maxLen());
    ObjectNode sc = root.putObject("scale").put("description", scale.description());
    if (scale.hasLabelUnits()) {
      sc.put("label_mean", scale.labelMean()).put("label_sd", scale.labelSd());
    }
    root.set("provenance", om.valueToTree(provenance));
    root.put("theta_sha256", sha256(theta));
    root.put("theta_f32le_base64", Base64.getEncoder().encodeToString(bytes(theta)));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    om.writeValue(tmp.toFile(), root);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @SuppressWarnings("unchecked")
  public static ModelFile read(Path file) throws IOException {
    ObjectMapper om = new ObjectMapper();
    JsonNode root = om.readTree(file.toFile());
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException(file + " is not a " + FORMAT + " model file");
    }
    JsonNode s = root.path("spec");
    ModelSpec spec = new TransformerFactory(s.path("vocab_size").asInt(), s.path("max_len").asInt(),
        s.path("d_model").asInt(), s.path("heads").asInt(), s.path("ff_dim").asInt(), s.path("layers").asInt(),
        s.path("positional").asText(), s.path("pooling").asText(), s.path("use_flags").asBoolean()).spec();
    VariantEncoder enc = new SeparatorEncoder(root.path("encoder").path("max_len").asInt());
    JsonNode sc = root.path("scale");
    ScoringModel.ScoreScale scale = sc.has("label_mean")
        ? new ScoringModel.ScoreScale(sc.path("description").asText(), sc.path("label_mean").asDouble(),
        sc.path("label_sd").asDouble())
        : ScoringModel.ScoreScale.unlabelled(sc.path("description").asText());
    byte[] raw = Base64.getDecoder().decode(root.path("theta_f32le_base64").asText());
    float[] theta = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(theta);
    String sum = sha256(theta);
    if (!sum.equals(root.path("theta_sha256").asText())) {
      throw new IOException(file + ": θ checksum mismatch (file says " + root.path("theta_sha256").asText() + ", content is "
          + sum + "); the file is damaged");
    }
    Map<String, Object> prov = root.has("provenance") ? om.convertValue(root.get("provenance"), LinkedHashMap.class)
        : new LinkedHashMap<>();
    return of(root.path("kind").asText(), spec, enc, scale, prov, theta);
  }
}
