/**
 * Classical few-shot baselines for the evaluation job: ridge regression on a full-sequence one-hot
 * encoding of the mutant, and on position-independent substitution features (BLOSUM62, changes in
 * Kyte–Doolittle hydropathy, Zamyatnin volume and side-chain charge), with the ridge penalty chosen by
 * closed-form leave-one-out cross-validation; plus the support-only target {@link
 * org.metamut.lib.baseline.Standardizer}.
 *
 * <p>Invariants: <b>no leakage</b> — {@link org.metamut.lib.baseline.Baseline#fit} sees the labelled
 * support set only, and everything it derives (feature scaling, penalty, intercept, target scale) comes
 * from that set; a {@link org.metamut.lib.baseline.Predictor} predicts each query variant independently of
 * the others. Mutation positions are 1-based into the variant's wild-type sequence. Values are immutable
 * and serialisable (baselines are fitted inside Spark tasks). No Spark imports.
 */
package org.metamut.lib.baseline;
