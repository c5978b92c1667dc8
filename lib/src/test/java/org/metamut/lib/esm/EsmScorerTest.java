package org.metamut.lib.esm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.baseline.Baseline;
import org.metamut.lib.baseline.LabelledVariant;
import org.metamut.lib.baseline.Predictor;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Zero-shot scores, site embeddings, the window for long proteins, and the two registry methods. */
class EsmScorerTest {

  static final String WT = "MTYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE";

  @Test
  void siteEmbeddingIsTheMeanOfTheMutantsFinalStatesAtTheSites() {
    Esm2Model m = Esm2Model.load(TestCheckpoints.tiny());
    EsmScorer s = new EsmScorer(m);
    Variant v = Variant.of(WT, "T2A", "G9A");
    float[] last = m.hidden(m.tokenizer().encode(v.mutantSequence()), false)[m.config().layers()];
    int d = m.config().hidden();
    float[] e = s.siteEmbedding(v);
    for (int j = 0; j < d; j++) {
      assertEquals((last[2 * d + j] + last[9 * d + j]) / 2, e[j], 1e-6);
    }
    assertArrayEquals(e, s.siteEmbedding(Variant.of(WT, "G9A", "T2A")), "the order of the mutations does not matter");
  }

  /** The tiny checkpoint with {@code max_position_embeddings} lowered, so the 56-residue protein needs a window. */
  private static Path shortWindow(Path tmp, int positions) throws IOException {
    Path dir = TestCheckpoints.derived(tmp.resolve("w" + positions), t -> t);
    String cfg = Files.readString(dir.resolve(EsmCheckpoint.CONFIG)).replace("\"max_position_embeddings\": 1026",
        "\"max_position_embeddings\": " + positions);
    assertTrue(cfg.contains("\"max_position_embeddings\": " + positions));
    Files.writeString(dir.resolve(EsmCheckpoint.CONFIG), cfg);
    return dir;
  }

  @Test
  void longProteinsAreScoredOnAWindowAroundTheSite(@TempDir Path tmp) throws IOException {
    EsmScorer s = new EsmScorer(Esm2Model.load(shortWindow(tmp, 22))); // 20 residues a pass
    EsmScorer full = new EsmScorer(Esm2Model.load(TestCheckpoints.tiny()));
    // site 30 (0-based 29): window = residues 19..38 (0-based), so site 30 is residue 11 (1-based) of the window
    String window = WT.substring(19, 39);
    assertArrayEquals(full.siteLogProbs(window, 11), s.siteLogProbs(WT, 30), 0.0);
    // near the ends the window is clamped
    assertArrayEquals(full.siteLogProbs(WT.substring(0, 20), 2), s.siteLogProbs(WT, 2), 0.0);
    assertArrayEquals(full.siteLogProbs(WT.substring(36), 55 - 36), s.siteLogProbs(WT, 55), 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> s.siteEmbedding(Variant.of(WT, "T2A", "V54I")));
    assertTrue(e.getMessage().contains("span 53 residues, more than the ESM-2 window of 20"), e.getMessage());
    assertEquals(32, s.siteEmbedding(Variant.of(WT, "T2A", "K4E")).length);
  }

  @Test
  void zeroShotMethodRanksByTheScoreAndOnlyScalesToTheSupport() {
    String dir = TestCheckpoints.tiny().toString();
    Baseline b = Methods.get("esm-zero-shot").createBaseline(new Method.Resources(dir));
    EsmScorer s = new EsmScorer(Esm2Model.load(TestCheckpoints.tiny()));
    List<Variant> support = List.of(Variant.of(WT, "T2A"), Variant.of(WT, "K4E"), Variant.of(WT, "L5P"));
    double[] y = {1, 2, 5};
    Predictor p = b.fit(List.of(new LabelledVariant(support.get(0), y[0]), new LabelledVariant(support.get(1), y[1]),
        new LabelledVariant(support.get(2), y[2])));
    double[] sc = support.stream().mapToDouble(s::zeroShot).toArray();
    double ms = (sc[0] + sc[1] + sc[2]) / 3;
    double ss = Math.sqrt(((sc[0] - ms) * (sc[0] - ms) + (sc[1] - ms) * (sc[1] - ms) + (sc[2] - ms) * (sc[2] - ms)) / 3);
    double sy = Math.sqrt(78.0 / 27); // labels 1, 2, 5: squared deviations 25/9 + 4/9 + 49/9, over 3
    Variant q = Variant.of(WT, "W43A");
    assertEquals(8.0 / 3 + sy / ss * (s.zeroShot(q) - ms), p.predict(q), 1e-9);
    assertEquals("esm-zero-shot", b.name());
  }

  @Test
  void ridgeEsmFitsOnSiteEmbeddingsAndTheScore() {
    Baseline b = Methods.get("ridge-esm").createBaseline(new Method.Resources(TestCheckpoints.tiny().toString()));
    List<LabelledVariant> support = List.of(new LabelledVariant(Variant.of(WT, "T2A"), 0.3),
        new LabelledVariant(Variant.of(WT, "K4E"), -1), new LabelledVariant(Variant.of(WT, "L5P"), 2),
        new LabelledVariant(Variant.of(WT, "G9A"), 0.5), new LabelledVariant(Variant.of(WT, "E19K"), 1.5));
    Predictor p = b.fit(support);
    double v = p.predict(Variant.of(WT, "W43A", "V54I"));
    assertTrue(Double.isFinite(v));
    assertTrue(p.describe().containsKey("lambda"), p.describe().toString());
  }

  @Test
  void storedFeaturesGiveTheSamePredictionsWithoutAForwardPass() {
    String dir = TestCheckpoints.tiny().toString();
    List<LabelledVariant> support = List.of(new LabelledVariant(Variant.of(WT, "T2A"), 0.3),
        new LabelledVariant(Variant.of(WT, "K4E"), -1), new LabelledVariant(Variant.of(WT, "L5P"), 2),
        new LabelledVariant(Variant.of(WT, "G9A"), 0.5), new LabelledVariant(Variant.of(WT, "E19K"), 1.5));
    Variant q = Variant.of(WT, "W43A", "V54I");
    EsmScorer s = new EsmScorer(Esm2Model.load(TestCheckpoints.tiny()));
    java.util.Map<String, EsmFeatureStore.Entry> values = new java.util.HashMap<>();
    for (Variant v : List.of(support.get(0).variant(), support.get(1).variant(), support.get(2).variant(),
        support.get(3).variant(), support.get(4).variant(), q)) {
      values.put(EsmFeatureStore.variant(v), new EsmFeatureStore.Entry(s.siteEmbedding(v), s.zeroShot(v)));
    }
    EsmFeatureStore store = new EsmFeatureStore() {
      @Override
      public String fingerprint() {
        return "sha256:test";
      }

      @Override
      public Entry get(Variant v) {
        return values.get(EsmFeatureStore.variant(v));
      }
    };
    double ridgeDirect = Methods.get("ridge-esm").createBaseline(new Method.Resources(dir)).fit(support).predict(q);
    double zsDirect = Methods.get("esm-zero-shot").createBaseline(new Method.Resources(dir)).fit(support).predict(q);
    long passes = Esm2Model.forwardPasses();
    Method.Resources stored = new Method.Resources(dir).withEsmFeatures(store);
    assertEquals(ridgeDirect, Methods.get("ridge-esm").createBaseline(stored).fit(support).predict(q), 0.0);
    assertEquals(zsDirect, Methods.get("esm-zero-shot").createBaseline(stored).fit(support).predict(q), 0.0);
    assertEquals(passes, Esm2Model.forwardPasses(), "every value came from the store");
  }

  @Test
  void aMissingOrIncompleteFolderIsRefusedWhenTheMethodIsBuilt(@TempDir Path tmp) throws IOException {
    InvalidCheckpointException e = assertThrows(InvalidCheckpointException.class,
        () -> Methods.get("esm-zero-shot").createBaseline(new Method.Resources(tmp.resolve("nope").toString())));
    assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    Files.writeString(tmp.resolve("config.json"), "{}");
    Files.writeString(tmp.resolve("pytorch_model.bin"), "x");
    e = assertThrows(InvalidCheckpointException.class,
        () -> Methods.get("ridge-esm").createBaseline(new Method.Resources(tmp.toString())));
    assertTrue(e.getMessage().contains("missing vocab.txt, model.safetensors (only pytorch_model.bin"), e.getMessage());
  }
}
