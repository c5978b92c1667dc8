package org.metamut.lib.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a model file holds, for people ({@link #text()}) and programs ({@link #json()}): architecture, encoder,
 * learner and adaptation recipe, how the model was chosen (meta-val score), the data it was trained on (fingerprint,
 * protein groups) and the build that wrote it. Reads the file with {@link ModelFile#read} (every check included), so
 * a file this describes is one every job can use.
 *
 * @param formatVersion the file's format version (1 = no adaptation recipe recorded)
 * @param sha256        SHA-256 of the whole file, to tell two copies apart
 */
public record ModelInfo(Path file, long bytes, int formatVersion, String sha256, SavedModel model) {

  /** Provenance keys written by meta-training ({@code MetaTrainJob}) that {@link #text()} gives a line of their own. */
  public static final String STEP = "meta-train.step";
  public static final String LAST_STEP = "meta-train.last-step";
  public static final String SELECTION = "meta-train.selection";
  public static final String META_VAL = "meta-train.meta-val-spearman";
  public static final String ALGORITHM = "meta-train.algorithm";
  public static final String LEARNER = "meta-train.learner";
  public static final String EPISODES = "meta-train.episodes";
  public static final String DATA_FINGERPRINT = "meta-train.data-fingerprint";
  public static final String PROTEIN_GROUPS = "meta-train.protein-groups";
  public static final String SEED = "meta-train.seed";
  public static final String CREATED = "created";
  public static final String CONFIG = "config";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Reads and checks {@code file}; an {@link InvalidModelFileException} (one line) when it is not a usable model. */
  public static ModelInfo read(Path file) throws IOException {
    SavedModel m = ModelFile.read(file);
    // the version and digest come from the bytes ModelFile just accepted (it checked size, magic and checksum)
    int version;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] prefix = in.readNBytes(12);
      version = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }
    return new ModelInfo(file, Files.size(file), version, Sha256.hex(Files.readAllBytes(file)), m);
  }

  /** The protein groups meta-training saw (empty when the file does not record them, e.g. older files). */
  public List<String> trainedProteinGroups() {
    return proteinGroups(model.provenance());
  }

  /** {@link #PROTEIN_GROUPS} of a provenance map: comma-separated, empty when absent. */
  public static List<String> proteinGroups(Map<String, String> provenance) {
    String g = provenance.getOrDefault(PROTEIN_GROUPS, "");
    return g.isBlank() ? List.of() : List.of(g.split(","));
  }

  /** A screenful of text: one line per fact, the long rendered configuration left out (it is in {@link #json()}). */
  public String text() {
    SavedModel m = model;
    Map<String, String> p = m.provenance();
    AdaptationRecipe r = m.recipe();
    StringBuilder b = new StringBuilder();
    line(b, "file", file + " (" + bytes + " bytes, format version " + formatVersion + ", sha256 " + sha256 + ")");
    line(b, "architecture", m.spec().summary() + ", " + m.theta().length + " parameters"
        + (m.innerRates() != null ? " + as many learned inner rates" : ""));
    line(b, "encoder", m.encoder().kind() + ", " + m.encoder().maxTokens() + " tokens");
    line(b, "learner", r.learner() + (p.containsKey(LEARNER) ? " (" + p.get(LEARNER) + ")" : ""));
    line(b, "adaptation", r.describe());
    line(b, "outputs", "normalisation " + m.normalisation().method()
        + (m.normalisation().params().isEmpty() ? "" : " " + m.normalisation().params()));
    if (p.containsKey(STEP)) {
      line(b, "training", "step " + p.get(STEP) + " of " + p.getOrDefault(LAST_STEP, "?") + ", seed "
          + p.getOrDefault(SEED, "?") + "; " + p.getOrDefault(SELECTION, "selection not recorded"));
    }
    line(b, "meta-val score", p.containsKey(META_VAL) ? "mean query Spearman " + p.get(META_VAL)
        : "not recorded (no meta-val selection, or a file written before it was recorded)");
    line(b, "training data", p.getOrDefault(EPISODES, "not recorded"));
    line(b, "data fingerprint", p.getOrDefault(DATA_FINGERPRINT, "not recorded"));
    List<String> groups = trainedProteinGroups();
    line(b, "protein groups", groups.isEmpty() ? "not recorded"
        : groups.size() + " meta-trained on: " + abbreviate(String.join(", ", groups), 160));
    line(b, "build", p.getOrDefault("code.version", "unknown") + " (commit " + p.getOrDefault("code.git-commit", "unknown")
        + ")" + (p.containsKey(CREATED) ? ", written " + p.get(CREATED) : ""));
    Map<String, String> other = new TreeMap<>(p);
    for (String k : List.of(STEP, LAST_STEP, SELECTION, META_VAL, LEARNER, ALGORITHM, EPISODES, DATA_FINGERPRINT, PROTEIN_GROUPS,
        SEED, CREATED, "code.version", "code.git-commit")) {
      other.remove(k);
    }
    String config = other.remove(CONFIG);
    other.forEach((k, v) -> line(b, k, abbreviate(v, 160)));
    if (config != null) {
      line(b, "configuration", config.lines().count() + " lines recorded (model info --json shows them)");
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String key, String value) {
    b.append(String.format(Locale.ROOT, "%-17s %s%n", key + ":", value));
  }

  private static String abbreviate(String s, int max) {
    String one = s.replace('\n', ' ');
    return one.length() <= max ? one : one.substring(0, max - 1) + "…";
  }

  /** The same facts as JSON: the header's spec, encoder, normalisation and recipe as written, the whole provenance. */
  public String json() {
    ObjectNode o = JSON.createObjectNode();
    o.put("file", file.toString());
    o.put("bytes", bytes);
    o.put("formatVersion", formatVersion);
    o.put("sha256", sha256);
    o.put("numParams", model.theta().length);
    o.put("learnedInnerRates", model.innerRates() != null);
    o.set("spec", JSON.valueToTree(model.spec()));
    o.put("specSummary", model.spec().summary());
    o.set("encoder", JSON.valueToTree(model.encoder()));
    o.set("normalisation", JSON.valueToTree(model.normalisation()));
    o.set("adaptation", JSON.valueToTree(model.recipe()));
    o.put("adaptationSummary", model.recipe().describe());
    o.set("provenance", JSON.valueToTree(new LinkedHashMap<>(model.provenance())));
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot render model info as JSON: " + e.getMessage(), e);
    }
  }
}
