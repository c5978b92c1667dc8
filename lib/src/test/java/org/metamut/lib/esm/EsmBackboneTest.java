package org.metamut.lib.esm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.encode.EsmEncoder;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.Rotary;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.Transformer;
import org.metamut.lib.mutation.Mutation;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny ESM-2 checkpoint imported as our {@link Transformer} ({@link EsmBackbone}): its final-layer hidden states
 * (after the final LayerNorm, to 1e-5; measured ≤ 7e-7) against the official implementation's ({@code golden.json}) and {@link Esm2Model}'s
 * independent forward pass; its gradient against central finite differences in double; the ESM encoder's tokens
 * against the checkpoint's own tokenizer; and the one-line refusals of what the importer cannot represent.
 *
 * <p>Only the golden sequences without {@code <mask>} are compared: the backbone folds the token-dropout scale of
 * unmasked input into its embeddings (see {@link EsmBackbone}). Esm2Model computes in float32 only, so the double
 * model is compared at float32 accuracy too (no independent double-precision ESM-2 exists here).
 */
class EsmBackboneTest {

  static JsonNode golden;
  static Esm2Model esm;
  static EsmBackbone.Imported imported;

  @BeforeAll
  static void load() throws IOException {
    golden = new ObjectMapper().readTree(TestCheckpoints.tiny().resolve("golden.json").toFile());
    esm = Esm2Model.load(TestCheckpoints.tiny());
    imported = EsmBackbone.load(TestCheckpoints.tiny(), 64);
  }

  @Test
  void specFollowsTheConfig() {
    ModelSpec s = imported.spec();
    assertEquals(33, s.vocabSize());
    assertEquals(32, s.dModel());
    assertEquals(4, s.heads());
    assertEquals(128, s.ffDim());
    assertEquals(2, s.layers());
    assertEquals(64, s.maxLen());
    assertEquals(ModelSpec.Positional.ROTARY, s.positional());
    assertEquals(ModelSpec.Pooling.SITES, s.pooling());
    assertEquals(-1, s.siteMarker());
    // word embeddings, 2 blocks of (4·(d² + d) + 4d + 2·d·ff + ff + d), the final LayerNorm, the new scalar head
    ParamLayout layout = ParamLayout.of(s);
    assertEquals(33 * 32 + 2 * (4 * (32 * 32 + 32) + 4 * 32 + 2 * 32 * 128 + 128 + 32) + 2 * 32 + 33, layout.numParams());
    double[] th = imported.theta();
    // Wq is transposed: θ[i][o] = query.weight[o][i]
    ParamLayout.Tensor wq = layout.get("blocks.1.attn.Wq");
    assertEquals(esm.blocks().get(1).qw()[5 * 32 + 3], th[wq.offset() + 3 * 32 + 5]);
    // <pad> (ESM 1) is our row 0, scaled by 1 − 0.12
    assertEquals(esm.wordEmbeddings()[32 + 7] * 0.88f, th[layout.get("tok_emb").offset() + 7], 1e-7);
    assertEquals(0.0, th[layout.get("head.W").offset()]);
  }

  /** Our ids of golden sequence {@code b} (padding included) and its number of real tokens. */
  private static int[] ourTokens(int b) {
    JsonNode row = golden.get("tokens").get(b);
    int[] t = new int[row.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = EsmEncoder.fromEsm(row.get(i).asInt());
    }
    return t;
  }

  /**
   * The final hidden state at every real position of golden sequence {@code b}: one batch row per position, each
   * the whole (padded) sequence flagged at that position only, so site pooling reads exactly that position.
   */
  private static double[][] hiddenStates(Transformer m, int b) {
    int[] ids = ourTokens(b);
    int t = ids.length;
    int real = 0;
    while (real < t && ids[real] != TokenBatch.PAD) {
      real++;
    }
    int[] all = new int[real * t];
    byte[] flags = new byte[real * t];
    for (int p = 0; p < real; p++) {
      System.arraycopy(ids, 0, all, p * t, t);
      flags[p * t + p] = 1;
    }
    return m.features(imported.theta(), new TokenBatch(real, t, all, flags, null));
  }

  @Test
  void finalHiddenStatesMatchTheOfficialImplementationAndEsm2Model() {
    int d = 32;
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      try (Transformer m = new Transformer(imported.spec(), dt)) {
        for (int b : new int[] {0, 1}) { // sequence 2 holds a <mask>
          double[][] ours = hiddenStates(m, b);
          JsonNode ref = golden.get("representations").get("2").get(b);
          int[] esmIds = new int[ours.length];
          for (int p = 0; p < ours.length; p++) {
            esmIds[p] = golden.get("tokens").get(b).get(p).asInt();
          }
          float[] indep = esm.hidden(esmIds, false)[2];
          double worstGolden = 0;
          double worstEsm = 0;
          for (int p = 0; p < ours.length; p++) {
            for (int j = 0; j < d; j++) {
              worstGolden = Math.max(worstGolden, Math.abs(ours[p][j] - ref.get(p).get(j).asDouble()));
              worstEsm = Math.max(worstEsm, Math.abs(ours[p][j] - indep[p * d + j]));
            }
          }
          System.out.printf("ESM backbone %s, sequence %d (%d tokens): max |Δ| vs golden %.2e, vs Esm2Model %.2e%n", dt, b,
              ours.length, worstGolden, worstEsm);
          assertTrue(worstGolden < 1e-5, dt + " sequence " + b + " vs golden: " + worstGolden);
          assertTrue(worstEsm < 1e-5, dt + " sequence " + b + " vs Esm2Model: " + worstEsm);
        }
      }
    }
  }

  @Test
  void halfPrecisionFrequenciesWouldBeSeen() {
    // the comparison above can fail: the same θ with the fp16-rounded frequencies is measurably off golden
    ModelSpec plain = new ModelSpec(33, 64, 32, 4, 128, 2, 0.0, ModelSpec.Positional.ROTARY_FP16,
        ModelSpec.Pooling.SITES, false, false, false);
    try (Transformer m = new Transformer(plain, DataType.DOUBLE)) {
      double[][] ours = hiddenStates(m, 1);
      JsonNode ref = golden.get("representations").get("2").get(1);
      double worst = 0;
      for (int p = 0; p < ours.length; p++) {
        for (int j = 0; j < 32; j++) {
          worst = Math.max(worst, Math.abs(ours[p][j] - ref.get(p).get(j).asDouble()));
        }
      }
      assertTrue(worst > 1e-4, "half-precision frequencies must change the 56-token outputs, max |Δ| " + worst);
    }
  }

  static TokenBatch variants(Encoder enc, String wt, long seed, int n) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<EncodedVariant> vs = new ArrayList<>();
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      List<Mutation> muts = new ArrayList<>();
      int sites = 1 + rng.nextInt(2);
      int pos = 1 + rng.nextInt(wt.length() - 3);
      for (int k = 0; k < sites; k++) {
        char w = wt.charAt(pos - 1 + 2 * k);
        char mt = Mutation.AMINO_ACIDS.charAt((Mutation.AMINO_ACIDS.indexOf(w) + 1 + rng.nextInt(19)) % 20);
        muts.add(new Mutation(pos + 2 * k, w, mt));
      }
      vs.add(enc.encode(wt, muts));
      y[i] = rng.nextDouble(-1, 1);
    }
    return EncodedVariant.toBatch(vs, y, 0);
  }

  @Test
  void gradientOfTheImportedModelMatchesFiniteDifferences() {
    ModelSpec spec = imported.spec();
    ParamLayout layout = ParamLayout.of(spec);
    double[] theta = imported.theta().clone();
    SplittableRandom rng = new SplittableRandom(2);
    ParamLayout.Tensor hw = layout.get("head.W");
    for (int i = 0; i < hw.size(); i++) {
      theta[hw.offset() + i] = 0.3 * rng.nextDouble(-1, 1); // a zero head would zero the backbone's gradient
    }
    String wt = golden.get("sequences").get(0).asText();
    TokenBatch batch = variants(new EsmEncoder(12), wt, 3, 4);
    double[] grad = new double[theta.length];
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      m.lossAndGradient(theta, batch, grad);
      for (ParamLayout.Tensor t : layout.tensors()) {
        for (int k = 0; k < 3; k++) {
          int i = t.offset() + rng.nextInt(t.size());
          if (t.name().equals("tok_emb")) {
            i = t.offset() + batch.ids()[1 + k] * spec.dModel() + rng.nextInt(spec.dModel()); // rows that occur
          }
          double h = 1e-6;
          double saved = theta[i];
          theta[i] = saved + h;
          double lp = m.loss(theta, batch);
          theta[i] = saved - h;
          double lm = m.loss(theta, batch);
          theta[i] = saved;
          double numeric = (lp - lm) / (2 * h);
          double err = Math.abs(numeric - grad[i]) / (1e-3 + Math.abs(numeric) + Math.abs(grad[i]));
          assertTrue(err < 1e-6, t.name() + " index " + (i - t.offset()) + " analytic " + grad[i] + " numeric " + numeric);
        }
      }
    }
  }

  @Test
  void esmEncoderWritesTheCheckpointTokenizersIds() {
    String wt = golden.get("sequences").get(1).asText(); // 56 residues
    Encoder enc = Encoder.of(new EncoderSpec(EncoderSpec.ESM, 64));
    List<Mutation> muts = List.of(new Mutation(3, 'Y', 'W'), new Mutation(40, 'D', 'A'));
    EncodedVariant v = enc.encode(wt, muts);
    String mutant = wt.substring(0, 2) + "W" + wt.substring(3, 39) + "A" + wt.substring(40);
    int[] ref = esm.tokenizer().encode(mutant);
    assertEquals(ref.length, v.length());
    for (int i = 0; i < ref.length; i++) {
      assertEquals(EsmEncoder.fromEsm(ref[i]), v.ids()[i], "token " + i);
      assertEquals(i == 3 || i == 40 ? 1 : 0, v.flags()[i], "flag " + i); // <cls> shifts positions by one
    }
    assertEquals(EsmEncoder.CLS, v.ids()[0]);
    assertFalse(new EncoderSpec(EncoderSpec.ESM, 64).hasFlags(), "no flag_emb for the ESM encoder's flags");
    // a long protein is cropped to a window around the site: the contiguous residues the window keeps
    EncodedVariant c = Encoder.of(new EncoderSpec(EncoderSpec.ESM, 12)).encode(wt, List.of(new Mutation(30, 'F', 'R')));
    assertEquals(12, c.length());
    assertTrue(enc.crops(wt.length(), 1) == false && Encoder.of(new EncoderSpec(EncoderSpec.ESM, 12)).crops(wt.length(), 1));
    int[] window = esm.tokenizer().encode(wt.substring(24, 29) + "R" + wt.substring(30, 34));
    for (int i = 0; i < window.length; i++) {
      assertEquals(EsmEncoder.fromEsm(window[i]), c.ids()[i], "cropped token " + i);
    }
    assertEquals(1, c.flags()[6]);
  }

  @Test
  void anImportedModelRoundTripsThroughTheModelFile(@TempDir Path tmp) throws IOException {
    org.metamut.lib.io.SavedModel m = new org.metamut.lib.io.SavedModel(imported.spec(),
        new EncoderSpec(EncoderSpec.ESM, 64), org.metamut.lib.io.Normalisation.none(),
        org.metamut.lib.adapt.AdaptationRecipe.closedForm("cf-head", 0.5, -1.0,
            org.metamut.lib.adapt.AdaptationRecipe.HeadPrior.THETA), Map.of("seed", "1"), imported.theta(), null);
    Path f = tmp.resolve("esm.mmodel");
    byte[] bytes = org.metamut.lib.io.ModelFile.toBytes(m);
    Files.write(f, bytes);
    assertEquals(3, java.nio.ByteBuffer.wrap(bytes, 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(),
        "rotary/ESM models are written as format version 3");
    org.metamut.lib.io.SavedModel back = org.metamut.lib.io.ModelFile.read(f);
    assertEquals(m.spec(), back.spec());
    assertEquals(m.encoder(), back.encoder());
    assertArrayEquals(m.theta(), back.theta());
    assertEquals(3, org.metamut.lib.io.ModelInfo.read(f).formatVersion());
    // the ESM encoder with a reference-vocabulary spec is refused
    assertThrows(IllegalArgumentException.class, () -> new org.metamut.lib.io.SavedModel(ModelSpec.reference(1, 8, 2, 8, 64),
        new EncoderSpec(EncoderSpec.ESM, 64), null, m.recipe(), null, ParamLayout.of(ModelSpec.reference(1, 8, 2, 8, 64))
        .initialise(1), null));
  }

  @Test
  void aFactoryInitialisedFromTheCheckpointGivesTheImportedTheta() {
    org.metamut.lib.model.TransformerFactory f = new org.metamut.lib.model.TransformerFactory(
        imported.spec().withPooling(ModelSpec.Pooling.MEAN), false, EsmBackbone.Init.of(TestCheckpoints.tiny().toString()));
    assertArrayEquals(imported.theta(), f.initialTheta(7));
    assertTrue(f.describe().contains("initialised from ESM-2 checkpoint " + TestCheckpoints.tiny()), f.describe());
    org.metamut.lib.model.TransformerFactory wrong = f.withSpec(ModelSpec.reference(2, 32, 4, 128, 64));
    assertThrows(IllegalArgumentException.class, () -> wrong.initialTheta(7));
    assertEquals(ModelSpec.reference(1, 8, 2, 8, 8).numParams(),
        new org.metamut.lib.model.TransformerFactory(ModelSpec.reference(1, 8, 2, 8, 8), false).initialTheta(1).length);
  }

  /**
   * The factory names the checkpoint's weights by fingerprint, and refuses to read θ from a folder whose weights
   * changed since (a resumed run must not continue from other weights at the same path).
   */
  @Test
  void changedWeightsAtTheSamePathAreRefused(@TempDir Path tmp) throws IOException {
    Path dir = TestCheckpoints.derived(tmp.resolve("ck"), t -> t);
    EsmBackbone.Init init = EsmBackbone.Init.of(dir.toString());
    assertTrue(init.describe().contains(EsmCheckpoint.open(dir).fingerprint()), init.describe());
    ModelSpec spec = imported.spec().withPooling(ModelSpec.Pooling.MEAN);
    assertArrayEquals(imported.theta(), init.theta(spec, 1));
    java.nio.file.Files.delete(dir.resolve(EsmCheckpoint.WEIGHTS));
    java.nio.file.Files.delete(dir.resolve(EsmCheckpoint.CONFIG));
    java.nio.file.Files.delete(dir.resolve(EsmCheckpoint.VOCAB));
    TestCheckpoints.derived(dir, t -> { // same architecture, one weight changed
      Map<String, TestCheckpoints.Tensor> m = new LinkedHashMap<>(t);
      String name = m.keySet().stream().filter(n -> n.endsWith("LayerNorm.bias")).findFirst().orElseThrow();
      byte[] data = m.get(name).data().clone();
      data[0] ^= 1;
      m.put(name, new TestCheckpoints.Tensor("F32", m.get(name).shape(), data));
      return m;
    });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> init.theta(spec, 1));
    assertTrue(e.getMessage().startsWith("ESM-2 checkpoint " + dir + " changed since the run was configured"),
        e.getMessage());
    assertOneLine(e, "changed since");
  }

  @Test
  void halfPrecisionFrequenciesImportAsRotaryFp16(@TempDir Path tmp) throws IOException {
    float[] half = Rotary.invFreq(ModelSpec.Positional.ROTARY_FP16, 8);
    Path dir = TestCheckpoints.derived(tmp.resolve("fp16"), t -> withInvFreq(t, half, half));
    assertEquals(ModelSpec.Positional.ROTARY_FP16, EsmBackbone.load(dir, 32).spec().positional());
  }

  @Test
  void wrongFrequenciesAreRefusedInOneLine(@TempDir Path tmp) throws IOException {
    float[] std = Rotary.invFreq(ModelSpec.Positional.ROTARY, 8);
    float[] bad = std.clone();
    bad[2] = 0.02f;
    Path dir = TestCheckpoints.derived(tmp.resolve("bad"), t -> withInvFreq(t, std, bad));
    InvalidCheckpointException e = assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(dir, 32));
    assertOneLine(e, "layer 1 rotary_embeddings.inv_freq[2] = 0.02");
    Path mixed = TestCheckpoints.derived(tmp.resolve("mixed"), t -> withInvFreq(t, std,
        Rotary.invFreq(ModelSpec.Positional.ROTARY_FP16, 8)));
    assertOneLine(assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(mixed, 32)), "mixes");
  }

  private static Map<String, TestCheckpoints.Tensor> withInvFreq(Map<String, TestCheckpoints.Tensor> t, float[] l0,
                                                                 float[] l1) {
    Map<String, TestCheckpoints.Tensor> m = new LinkedHashMap<>(t);
    m.put("esm.encoder.layer.0.attention.self.rotary_embeddings.inv_freq", TestCheckpoints.Tensor.f32(new long[] {4}, l0));
    m.put("esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq", TestCheckpoints.Tensor.f32(new long[] {4}, l1));
    return m;
  }

  private static void assertOneLine(Exception e, String part) {
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  /** A copy of the tiny checkpoint with one config.json key set. */
  private static Path withConfig(Path dir, String key, Object value) throws IOException {
    TestCheckpoints.derived(dir, t -> t);
    ObjectMapper om = new ObjectMapper();
    ObjectNode c = (ObjectNode) om.readTree(dir.resolve(EsmCheckpoint.CONFIG).toFile());
    c.set(key, om.valueToTree(value));
    Files.writeString(dir.resolve(EsmCheckpoint.CONFIG), c.toString());
    return dir;
  }

  @Test
  void unsupportedConfigsAreRefusedInOneLineNamingTheKey(@TempDir Path tmp) throws IOException {
    Path eps = withConfig(tmp.resolve("eps"), "layer_norm_eps", 1e-12);
    assertOneLine(assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(eps, 32)), "layer_norm_eps");
    Path before = withConfig(tmp.resolve("before"), "emb_layer_norm_before", true);
    assertOneLine(assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(before, 32)),
        "emb_layer_norm_before");
    Path abs = withConfig(tmp.resolve("abs"), "position_embedding_type", "absolute");
    assertOneLine(assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(abs, 32)),
        "position_embedding_type");
    assertOneLine(assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(TestCheckpoints.tiny(), 2000)),
        "max_position_embeddings");
    Path vocab = tmp.resolve("vocab");
    TestCheckpoints.derived(vocab, t -> t);
    List<String> tokens = new ArrayList<>(Files.readAllLines(vocab.resolve(EsmCheckpoint.VOCAB)));
    java.util.Collections.swap(tokens, 4, 5);
    Files.write(vocab.resolve(EsmCheckpoint.VOCAB), tokens);
    assertOneLine(assertThrows(InvalidCheckpointException.class, () -> EsmBackbone.load(vocab, 32)), "vocab.txt");
    assertArrayEquals(new int[] {1, 0, 2}, new int[] {EsmEncoder.fromEsm(0), EsmEncoder.fromEsm(1), EsmEncoder.fromEsm(2)});
  }
}
