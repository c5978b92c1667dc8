package org.metamut.lib.esm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.baseline.Variant;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward pass against the official implementation's outputs ({@code esm2-tiny/golden.json}, computed by
 * fair-esm in float32): hidden states of every layer and logits within 1e-4 for all three sequences (padding and
 * {@code <mask>} included), masked-marginal scores within 1e-3; and the checkpoint layouts a loader must accept.
 */
class EsmGoldenTest {

  static JsonNode golden;
  static Esm2Model model;

  @BeforeAll
  static void load() throws IOException {
    golden = new ObjectMapper().readTree(TestCheckpoints.tiny().resolve("golden.json").toFile());
    model = Esm2Model.load(TestCheckpoints.tiny());
  }

  private static int[] goldenTokens(int b) {
    JsonNode row = golden.get("tokens").get(b);
    int[] t = new int[row.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = row.get(i).asInt();
    }
    return t;
  }

  /** Largest |ours − golden| over a [position][width] block. */
  private static double maxDiff(float[] ours, JsonNode rows, int width) {
    double worst = 0;
    assertEquals(rows.size() * width, ours.length, "shape");
    for (int p = 0; p < rows.size(); p++) {
      for (int j = 0; j < width; j++) {
        worst = Math.max(worst, Math.abs(ours[p * width + j] - rows.get(p).get(j).asDouble()));
      }
    }
    return worst;
  }

  @Test
  void tokenizerMatchesTheReferenceTokens() {
    for (int b = 0; b < 3; b++) {
      int[] ours = model.tokenizer().encode(golden.get("sequences").get(b).asText());
      int[] ref = goldenTokens(b);
      for (int i = 0; i < ref.length; i++) {
        assertEquals(i < ours.length ? ours[i] : model.tokenizer().pad(), ref[i], "sequence " + b + " token " + i);
      }
    }
  }

  @Test
  void everyLayerAndTheLogitsMatchTheOfficialImplementation() {
    int d = model.config().hidden();
    int v = model.config().vocab();
    for (int b = 0; b < 3; b++) {
      int[] tokens = goldenTokens(b);
      float[][] hs = model.hidden(tokens, true);
      for (int l = 0; l <= model.config().layers(); l++) {
        double diff = maxDiff(hs[l], golden.get("representations").get(String.valueOf(l)).get(b), d);
        assertTrue(diff < 1e-4, "sequence " + b + " layer " + l + ": max |diff| " + diff);
      }
      double diff = maxDiff(model.logits(hs[model.config().layers()], tokens.length), golden.get("logits").get(b), v);
      assertTrue(diff < 1e-4, "sequence " + b + " logits: max |diff| " + diff);
    }
  }

  @Test
  void paddingDoesNotChangeTheRealTokens() {
    int[] padded = goldenTokens(0);
    int[] bare = model.tokenizer().encode(golden.get("sequences").get(0).asText());
    float[] a = model.hidden(padded, false)[model.config().layers()];
    float[] b = model.hidden(bare, false)[model.config().layers()];
    for (int i = 0; i < b.length; i++) {
      assertEquals(b[i], a[i], 1e-6, "element " + i);
    }
  }

  @Test
  void maskedMarginalScoresMatch() {
    EsmScorer scorer = new EsmScorer(model);
    JsonNode mm = golden.get("masked_marginal");
    String wt = mm.get("wild_type").asText();
    int n = 0;
    for (var it = mm.get("scores").fields(); it.hasNext(); n++) {
      var e = it.next();
      double ours = scorer.zeroShot(Variant.of(wt, e.getKey()));
      assertEquals(e.getValue().asDouble(), ours, 1e-3, e.getKey());
    }
    assertEquals(7, n);
    // a double mutant is the sum of its sites, each masked on the wild-type context
    double sum = scorer.zeroShot(Variant.of(wt, "T2A")) + scorer.zeroShot(Variant.of(wt, "G9A"));
    assertEquals(sum, scorer.zeroShot(Variant.of(wt, "T2A", "G9A")), 1e-12);
    assertEquals(0.0, scorer.zeroShot(Variant.of(wt)));
  }

  @Test
  void aTiedCheckpointWithoutDecoderLoadsToTheSameLogits(@TempDir Path tmp) throws IOException {
    Path dir = TestCheckpoints.derived(tmp.resolve("tied"), t -> {
      Map<String, TestCheckpoints.Tensor> m = new LinkedHashMap<>(t);
      assertTrue(m.remove("lm_head.decoder.weight") != null);
      m.put("esm.contact_head.regression.weight", TestCheckpoints.Tensor.f32(new long[] {1, 8}, new float[8]));
      m.put("esm.embeddings.position_ids", new TestCheckpoints.Tensor("I64", new long[] {1, 2}, new byte[16]));
      return m;
    });
    Esm2Model tied = Esm2Model.load(dir);
    int[] tokens = goldenTokens(2);
    float[] last = tied.hidden(tokens, false)[tied.config().layers()];
    double diff = maxDiff(tied.logits(last, tokens.length), golden.get("logits").get(2), tied.config().vocab());
    assertTrue(diff < 1e-4, "tied logits: max |diff| " + diff);
    assertTrue(tied.parameters() < model.parameters(), "the tied decoder is counted once");
  }

  @Test
  void anEsmModelCheckpointWithoutPrefixLoads(@TempDir Path tmp) throws IOException {
    Path dir = TestCheckpoints.derived(tmp.resolve("esmmodel"), t -> {
      Map<String, TestCheckpoints.Tensor> m = new LinkedHashMap<>();
      t.forEach((k, v) -> {
        if (k.startsWith("esm.")) {
          m.put(k.substring(4), v);
        }
      });
      m.put("pooler.dense.weight", TestCheckpoints.Tensor.f32(new long[] {32, 32}, new float[1024]));
      return m;
    });
    Esm2Model bare = Esm2Model.load(dir);
    assertFalse(bare.hasLmHead());
    for (int b = 0; b < 3; b++) {
      float[][] hs = bare.hidden(goldenTokens(b), true);
      for (int l = 0; l <= bare.config().layers(); l++) {
        double diff = maxDiff(hs[l], golden.get("representations").get(String.valueOf(l)).get(b), bare.config().hidden());
        assertTrue(diff < 1e-4, "EsmModel sequence " + b + " layer " + l + ": " + diff);
      }
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EsmScorer(bare).zeroShot(
        Variant.of(golden.get("masked_marginal").get("wild_type").asText(), "T2A")));
    assertTrue(e.getMessage().contains("no LM head"), e.getMessage());
  }

  @Test
  void halfPrecisionCheckpointsAreWidened(@TempDir Path tmp) throws IOException {
    // BF16: the upper 16 bits of each float32 (truncation); the model must read them back as exactly those floats
    Path dir = TestCheckpoints.derived(tmp.resolve("bf16"), t -> {
      Map<String, TestCheckpoints.Tensor> m = new LinkedHashMap<>();
      t.forEach((k, v) -> {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(v.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(v.data().length / 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
          out.putShort((short) (in.getInt() >>> 16));
        }
        m.put(k, new TestCheckpoints.Tensor("BF16", v.shape(), out.array()));
      });
      return m;
    });
    SafeTensors st = SafeTensors.open(dir.resolve(EsmCheckpoint.WEIGHTS));
    float[] full = SafeTensors.open(TestCheckpoints.tiny().resolve(EsmCheckpoint.WEIGHTS)).floats("lm_head.bias");
    float[] half = st.floats("lm_head.bias");
    for (int i = 0; i < full.length; i++) {
      assertEquals(Float.intBitsToFloat(Float.floatToIntBits(full[i]) & 0xffff0000), half[i]);
    }
    Esm2Model m = Esm2Model.load(dir);
    float[] last = m.hidden(goldenTokens(0), false)[m.config().layers()];
    double diff = maxDiff(last, golden.get("representations").get("2").get(0), m.config().hidden());
    assertTrue(diff > 0 && diff < 0.2, "bf16 weights give close but not identical states: " + diff);
  }

  @Test
  void halfFloatConversionIsExact() {
    assertEquals(1.0f, SafeTensors.halfToFloat(0x3c00));
    assertEquals(-2.0f, SafeTensors.halfToFloat(0xc000));
    assertEquals(65504f, SafeTensors.halfToFloat(0x7bff));
    assertEquals(0x1p-24f, SafeTensors.halfToFloat(0x0001));
    assertEquals(Float.NEGATIVE_INFINITY, SafeTensors.halfToFloat(0xfc00));
    assertTrue(Float.isNaN(SafeTensors.halfToFloat(0x7e00)));
    assertArrayEquals(new float[] {0.333251953125f}, new float[] {SafeTensors.halfToFloat(0x3555)});
  }
}
