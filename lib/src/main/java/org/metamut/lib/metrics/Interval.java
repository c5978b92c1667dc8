package org.metamut.lib.metrics;

/**
 * A point estimate with a bootstrap confidence interval: {@code lower}/{@code upper} are percentiles of
 * the {@code resamples} replicate statistics at {@code (1−level)/2} and {@code (1+level)/2}. {@code valid}
 * is how many replicates were finite (a ratio with a zero denominator is not); bounds are NaN when none.
 */
public record Interval(double estimate, double lower, double upper, double level, int resamples, int valid) {

  public boolean contains(double x) {
    return x >= lower && x <= upper;
  }
}
