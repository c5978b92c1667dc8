package org.metamut.jobs.score;

import org.apache.hadoop.conf.Configuration;
import org.metamut.jobs.output.AtomicFile;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.adapt.EsmBlock;
import org.metamut.lib.adapt.SiteBlock;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A model as the score job uses it: a {@link SavedModel} (the model branch's file format, {@link ModelFile}) plus
 * its kind and identity. The kind ({@code initial}, {@code meta-trained}, {@code adapted}) is stored in the
 * provenance under {@value #KIND}; an adapted model's label scale is its {@link Normalisation}
 * ({@code zscore} with {@code mean}, {@code std}).
 *
 * @param identity {@code <kind>-<first 12 hex of SHA-256 of θ (float64, little-endian)>}
 * @param posterior the closed-form head's posterior of a model adapted in this run (predictive SDs); null otherwise —
 *                  a model file holds θ only, so a model read back with {@code --model} scores without SD
 * @param sites    the closed-form head's per-task site block of a model adapted in this run (added to every score);
 *                 null otherwise. A model file cannot hold it: {@code --save-adapted} adapts without it
 * @param esm      the closed-form head's solved ESM-2 block of a model adapted in this run
 *                 ({@code metamut.esm.head-features}; added to every score), null otherwise; like the site block, a
 *                 model file cannot hold it
 * @param esmFeatures where each library variant's ESM-2 features come from when {@code esm} is set (the feature
 *                 cache's store first, then the checkpoint); null otherwise
 */
public record ScoreModel(String kind, SavedModel saved, String identity, ClosedFormHead.Fit posterior, SiteBlock sites,
                         EsmBlock esm, Featurizer esmFeatures) {
  public static final String KIND = "score.model-kind";

  public ScoreModel(String kind, SavedModel saved, String identity) {
    this(kind, saved, identity, null, null, null, null);
  }

  /** This model with the posterior its scores' SDs come from and its site block (null: none). */
  public ScoreModel withHead(ClosedFormHead.Fit p, SiteBlock siteBlock) {
    return new ScoreModel(kind, saved, identity, p, siteBlock, esm, esmFeatures);
  }

  /** This model with a solved ESM-2 block and the source of the library's ESM-2 features (both null: none). */
  public ScoreModel withEsm(EsmBlock block, Featurizer features) {
    if ((block == null) != (features == null)) {
      throw new IllegalArgumentException("an ESM-2 block scores only with the source of its features");
    }
    return new ScoreModel(kind, saved, identity, posterior, sites, block, features);
  }

  public static ScoreModel of(SavedModel saved) {
    String kind = saved.provenance().getOrDefault(KIND, "meta-trained");
    return new ScoreModel(kind, saved, kind + "-" + Sha256.hex(saved.theta()).substring(0, 12));
  }

  /** A model of this kind: {@code saved} with the kind recorded in its provenance. */
  public static ScoreModel of(String kind, SavedModel saved) {
    Map<String, String> prov = new LinkedHashMap<>(saved.provenance());
    prov.put(KIND, kind);
    return of(new SavedModel(saved.spec(), saved.encoder(), saved.normalisation(), saved.recipe(), prov, saved.theta(),
        saved.innerRates()));
  }

  public static ScoreModel read(Path file) throws IOException {
    return of(ModelFile.read(file));
  }

  /**
   * Writes the model file atomically ({@link AtomicFile}: a reader sees the previous file or the new one). A plain
   * path is a local file, as for {@link #read}; a URI ({@code hdfs://...}) goes to its Hadoop file system.
   */
  public void write(String location, Configuration hadoop) throws IOException {
    AtomicFile.write(location, hadoop, out -> ModelFile.writeTo(out, saved));
  }

  public ModelSpec spec() {
    return saved.spec();
  }

  public double[] theta() {
    return saved.theta();
  }


  public VariantEncoder encoder() {
    return VariantEncoder.of(saved.encoder());
  }

  public Map<String, String> provenance() {
    return saved.provenance();
  }

  /** What the model's outputs mean. */
  public ScoringModel.ScoreScale scale() {
    Normalisation n = saved.normalisation();
    if ("zscore".equals(n.method()) && n.params().containsKey("mean") && n.params().containsKey("std")) {
      double mean = n.params().get("mean");
      double sd = n.params().get("std");
      String label = saved.provenance().getOrDefault("score.label", "label");
      String count = saved.provenance().getOrDefault("score.labelled-used", "?");
      return new ScoringModel.ScoreScale(String.format(Locale.ROOT,
          "z-score of '%s' over the %s labelled variants adapted on (mean %.6g, sd %.6g); higher = higher label",
          label, count, mean, sd), mean, sd);
    }
    return switch (kind) {
      case "initial" -> ScoringModel.ScoreScale.unlabelled("raw output of a freshly initialised, untrained model (no meaning)");
      default -> ScoringModel.ScoreScale.unlabelled("the model's own output scale (normalisation '" + n.method()
          + "'), not adapted to this protein's labels");
    };
  }

  public ScoringModel scoringModel() {
    return new ScoringModel(identity, saved.factory(false), encoder(), scale(), posterior, sites, esm, esmFeatures);
  }
}
