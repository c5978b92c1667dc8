package org.metamut.lib.esm;

import org.metamut.lib.baseline.Baseline;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.baseline.LabelledVariant;
import org.metamut.lib.baseline.Predictor;
import org.metamut.lib.baseline.Ridge;
import org.metamut.lib.baseline.RidgeBaseline;
import org.metamut.lib.baseline.Variant;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ESM-2 methods of the registry, as {@link Baseline}s (fitted per task on its support set, no pre-training by
 * metamut): {@code esm-zero-shot} and {@code ridge-esm}. Each instance holds the checkpoint folder and loads the model
 * on first use (so building one on the driver to validate is cheap and the instance ships as a path); Spark runs keep
 * one instance per partition, so the model is loaded once per partition and its caches ({@link EsmScorer}) serve every
 * task, k and seed of that partition.
 */
public final class EsmBaselines {
  private EsmBaselines() {
  }

  /**
   * The checkpoint folder, the values stored for it (null: none) and, once a value is not stored, its model; serialises
   * as the path and the store. A stored variant is answered without loading the model, so a run whose variants are
   * all stored runs no forward pass.
   */
  static final class Source implements Serializable {
    private static final long serialVersionUID = 2L;
    private final String dir;
    private final boolean lmHead;
    private final EsmFeatureStore store;
    private transient EsmScorer scorer;

    Source(String dir, EsmFeatureStore store) {
      this.dir = dir;
      // validate now: a wrong folder fails where it is configured, not inside a task
      this.lmHead = EsmCheckpoint.open(Path.of(dir)).hasLmHead();
      this.store = store;
    }

    synchronized EsmScorer scorer() {
      if (scorer == null) {
        scorer = new EsmScorer(Esm2Model.load(Path.of(dir)));
      }
      return scorer;
    }

    double zeroShot(Variant v) {
      return EsmFeatureStore.zeroShot(store, v, u -> scorer().zeroShot(u));
    }

    float[] siteEmbedding(Variant v) {
      EsmFeatureStore.Entry e = store == null ? null : store.get(v);
      return e != null && e.hasEmbedding() ? e.embedding().clone() : scorer().siteEmbedding(v);
    }
  }

  /**
   * {@code esm-zero-shot}: the masked-marginal score of each query variant ({@link EsmScorer#zeroShot}). The ranking
   * uses no label; only its location and scale are mapped onto the support's labels (mean and standard deviation,
   * scale 1 when either is 0), so that RMSE and R² are on the task's scale while Spearman and Pearson are those of
   * the raw zero-shot score.
   */
  public static Baseline zeroShot(String name, String checkpoint) {
    return zeroShot(name, checkpoint, null);
  }

  /** {@link #zeroShot(String, String)} reading the scores of {@code store} (of that checkpoint; null = none) first. */
  public static Baseline zeroShot(String name, String checkpoint, EsmFeatureStore store) {
    Source src = new Source(checkpoint, store);
    if (!src.lmHead) {
      throw new InvalidCheckpointException(Path.of(checkpoint), name + " needs the LM head (an EsmForMaskedLM "
          + "checkpoint with lm_head.* tensors); this is an EsmModel checkpoint");
    }
    return new ZeroShot(name, src);
  }

  /**
   * {@code ridge-esm}: ridge regression (standardised columns, penalty by leave-one-out, as the other ridge baselines)
   * on frozen ESM-2 features: the final-layer state averaged over the mutated sites of the mutant, plus the zero-shot
   * score when the checkpoint has an LM head.
   */
  public static Baseline ridge(String name, String checkpoint) {
    return ridge(name, checkpoint, null);
  }

  /** {@link #ridge(String, String)} reading the features of {@code store} (of that checkpoint; null = none) first. */
  public static Baseline ridge(String name, String checkpoint, EsmFeatureStore store) {
    return new RidgeBaseline(name, new Features(new Source(checkpoint, store)), true, Ridge.DEFAULT_GRID);
  }

  /**
   * The frozen ESM-2 features of a variant as {@code ridge-esm} uses them and a closed-form head's ESM-2 block
   * ({@code org.metamut.lib.adapt.EsmBlock}) takes them: the site embedding, then the zero-shot score when the
   * checkpoint has an LM head. Values of {@code store} (of that checkpoint; null = none) are read first, the model is
   * loaded only for a variant it does not hold.
   */
  public static Featurizer features(String checkpoint, EsmFeatureStore store) {
    return new Features(new Source(checkpoint, store));
  }

  private record ZeroShot(String name, Source source) implements Baseline {
    @Override
    public Predictor fit(List<LabelledVariant> support) {
      if (support.isEmpty()) {
        throw new IllegalArgumentException("baseline " + name + ": empty support set");
      }
      double[] sc = support.stream().mapToDouble(l -> source.zeroShot(l.variant())).toArray();
      double[] y = support.stream().mapToDouble(LabelledVariant::y).toArray();
      double ms = mean(sc);
      double my = mean(y);
      double ss = sd(sc, ms);
      double sy = sd(y, my);
      double scale = ss > 0 && sy > 0 ? sy / ss : 1;
      return new ZeroShotPredictor(source, ms, my, scale);
    }
  }

  private record ZeroShotPredictor(Source source, double scoreMean, double labelMean, double scale) implements Predictor {
    @Override
    public double predict(Variant v) {
      return labelMean + scale * (source.zeroShot(v) - scoreMean);
    }

    @Override
    public Map<String, String> describe() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("checkpoint", source.dir);
      m.put("score_mean", String.valueOf(scoreMean));
      m.put("scale", String.valueOf(scale));
      return m;
    }
  }

  private record Features(Source source) implements Featurizer {
    @Override
    public String name() {
      return "esm-sites";
    }

    @Override
    public double[] features(Variant v) {
      float[] e = source.siteEmbedding(v);
      boolean zs = source.lmHead;
      double[] f = new double[e.length + (zs ? 1 : 0)];
      for (int i = 0; i < e.length; i++) {
        f[i] = e[i];
      }
      if (zs) {
        f[e.length] = source.zeroShot(v);
      }
      return f;
    }
  }

  private static double mean(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v;
    }
    return s / a.length;
  }

  private static double sd(double[] a, double mean) {
    double s = 0;
    for (double v : a) {
      s += (v - mean) * (v - mean);
    }
    return Math.sqrt(s / a.length);
  }
}
