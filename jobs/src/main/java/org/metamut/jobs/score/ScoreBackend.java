package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.Iterator;

/**
 * What {@link ScoreJob} scores with: an adapted metamut model ({@link ScoringModel}) or an ESM-2 checkpoint's
 * zero-shot score ({@link EsmZeroShotScoring}). The job's passes, counts, output folder and files are the same for
 * both; only what rejects a candidate, what produces a score row and the words in {@code summary.json} differ.
 * Shipped to executors in closures, so small and serialisable (weights travel separately).
 */
public interface ScoreBackend extends Serializable {

  /** A stable name of what scores, written in every row ({@code model_id}). */
  String identity();

  /** The model, in words ({@code summary.json} {@code model}, the log). */
  String describe();

  /** How variants are turned into the model's input, in words ({@code summary.json} {@code encoder}). */
  String encoderDescription();

  /** What the scores mean. */
  ScoringModel.ScoreScale scale();

  /** True when score rows carry a predictive SD. */
  boolean hasSd();

  /** The rejected pass over one partition: a {@link ScoreSchemas#REJECTED} row per candidate that cannot be scored. */
  Iterator<Row> rejected(Iterator<Candidate> in, String wildType);

  /**
   * The scoring pass over one partition: a {@link ScoreSchemas#SCORES} row per candidate the rejected pass kept.
   *
   * @param theta    the broadcast parameters (empty when the backend has none of its own)
   * @param progress variants scored, for the driver's progress line (may be null)
   */
  Iterator<Row> scores(Iterator<Candidate> in, String wildType, double[] theta, int batchSize, LongAccumulator progress);
}
