/**
 * The score job: adapt a model to one protein from a few labelled variants (or load an adapted one), then
 * score a variant library across executors and write Parquet scores, a rejected table with reasons and a
 * top-N summary, replacing the output location atomically; a closed-form-head model adapted here adds a predictive
 * SD beside every score, and {@code --suggest} writes the next variants to measure ({@code suggestions.csv}). With
 * {@code --esm-zero-shot} the library is scored instead by an ESM-2 checkpoint's masked-marginal zero-shot score
 * ({@link org.metamut.jobs.score.EsmZeroShotScoring}; no model file, no labels, no SD) through the same passes and
 * output files: what scores is a {@link org.metamut.jobs.score.ScoreBackend}.
 *
 * <p>Invariants: generated libraries are produced per partition from index ranges ({@code spark.range} +
 * {@code mapPartitions}), never on the driver; each partition creates one model instance and scores in
 * batches (an ESM-2 model is loaded once per executor JVM from the checkpoint's path and shared by its tasks); θ travels as a broadcast {@code double[]} (float64, exactly the model file's θ: every path predicts from the same bits), never an {@code INDArray}; closures capture small
 * serialisable records only; the driver never collects anything proportional to the library (top-N is a
 * bounded per-partition heap merged by Spark's take-ordered; suggestions stream the scores in UCB order only as far
 * as the picks need); every input variant ends either in
 * {@code scores/} or in {@code rejected/} with a reason, and the counts are checked to add up.
 */
package org.metamut.jobs.score;
