package org.metamut.jobs.score;

import org.metamut.lib.adapt.EsmBlock;
import org.metamut.lib.adapt.SiteBlock;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.model.ModelFactory;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything an executor needs to score besides θ (which travels separately, as a broadcast {@code double[]} (float64, exactly the model file's θ: every path predicts from the same bits)):
 * how to create the model, how to encode variants, the model's identity and the scale its scores are on.
 *
 * @param identity a stable name of the parameters scored with (e.g. {@code adapted-3f9a1c2b7d10}), written in
 *                 every output row
 * @param factory  creates the model
 * @param encoder  encodes variants into tokens
 * @param scale    what the scores mean
 * @param posterior the closed-form head's posterior when the model was adapted here by the closed-form solver: it
 *                  gives each score a predictive SD (same scale as the score); null = no SD
 * @param sites     the closed-form head's per-task site block when the model was adapted here with one: its effect is
 *                  added to each score (and its columns to the SD's features); null = none
 * @param esm       the closed-form head's ESM-2 block when the model was adapted here with one: its effect is added to
 *                  each score (and its columns to the SD's features); null = none
 * @param esmFeatures each variant's ESM-2 features for {@code esm} (null exactly when {@code esm} is)
 */
public record ScoringModel(String identity, ModelFactory factory, VariantEncoder encoder, ScoreScale scale,
                           ClosedFormHead.Fit posterior, SiteBlock sites, EsmBlock esm, Featurizer esmFeatures)
    implements Serializable, ScoreBackend {
  private static final long serialVersionUID = 4L;

  /** A model without predictive SD. */
  public ScoringModel(String identity, ModelFactory factory, VariantEncoder encoder, ScoreScale scale) {
    this(identity, factory, encoder, scale, null, null, null, null);
  }

  /** True when scores come with a predictive SD. */
  @Override
  public boolean hasSd() {
    return posterior != null;
  }

  @Override
  public String describe() {
    return factory.describe();
  }

  @Override
  public String encoderDescription() {
    return encoder.describe();
  }

  @Override
  public java.util.Iterator<org.apache.spark.sql.Row> rejected(java.util.Iterator<Candidate> in, String wildType) {
    return ScoreJob.rejectedRows(in, wildType, encoder);
  }

  @Override
  public java.util.Iterator<org.apache.spark.sql.Row> scores(java.util.Iterator<Candidate> in, String wildType,
                                                            double[] theta, int batchSize,
                                                            org.apache.spark.util.LongAccumulator progress) {
    return new ScoringIterator(in, wildType, this, theta, batchSize, progress);
  }

  public ScoringModel {
    Objects.requireNonNull(identity);
    Objects.requireNonNull(factory);
    Objects.requireNonNull(encoder);
    Objects.requireNonNull(scale);
  }

  /**
   * The scale of scores: the model predicts labels normalised as {@code z = (y − mean) / sd} with mean and sd
   * of the labelled set it was adapted on; {@code score_label_units = z·sd + mean} maps back. Without labels
   * (no adaptation) mean and sd are NaN and only the model's own scale is known.
   */
  public record ScoreScale(String description, double labelMean, double labelSd) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static ScoreScale unlabelled(String why) {
      return new ScoreScale(why, Double.NaN, Double.NaN);
    }

    public static ScoreScale zScore(String labelName, long n, double mean, double sd) {
      return new ScoreScale(String.format(java.util.Locale.ROOT,
          "z-score of '%s' over the %d labelled variants adapted on (mean %.6g, sd %.6g); higher = higher label",
          labelName, n, mean, sd), mean, sd);
    }

    public boolean hasLabelUnits() {
      return Double.isFinite(labelMean) && Double.isFinite(labelSd);
    }

    /** The score in the labels' own units, or null when unknown. */
    public Double toLabelUnits(double z) {
      return hasLabelUnits() ? z * labelSd + labelMean : null;
    }
  }
}
