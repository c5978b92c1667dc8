/**
 * Evaluation metrics and their uncertainty. Owns {@link org.metamut.lib.metrics.Metrics} (Spearman with
 * average ranks for ties, Pearson, RMSE, R², accuracy), {@link org.metamut.lib.metrics.Calibration} (coverage of a
 * central predictive interval, Gaussian negative log-likelihood) and {@link org.metamut.lib.metrics.Bootstrap}
 * (seeded percentile intervals, one-level or two-level over tasks then seeds).
 *
 * <p>Invariants: functions are pure and deterministic (a bootstrap is a function of its seed); inputs are
 * never modified; a correlation or R² that is mathematically undefined (a constant input) is returned as
 * {@code NaN}, never silently as 0 — what a summary does with it is the caller's documented policy. Inputs
 * that are non-finite or of unequal length are rejected with the metric and the index named.
 * No Spark imports.
 */
package org.metamut.lib.metrics;
