package org.metamut.lib.baseline;

import org.metamut.lib.mutation.Mutation;

/**
 * One-hot encoding of the full <b>mutant</b> sequence: {@code L × 20} features, feature
 * {@code (pos − 1)·20 + a} is 1 when residue {@code a} ({@link Mutation#AMINO_ACIDS} order) is at 1-based
 * position {@code pos}. Every position contributes, so the wild-type residue's column at a mutated position
 * turns 0 — which lets a linear model share a site's effect between different substitutions there (a
 * one-hot of only the mutated (position, residue) pairs cannot, and is degenerate for single mutants).
 * A non-standard residue in the wild type (e.g. X) gives an all-zero block. Dimension depends on the
 * wild-type length, so a model fitted on one task applies to variants of that protein only.
 */
public final class OneHotFeaturizer implements Featurizer {

  private static final long serialVersionUID = 1L;

  @Override
  public String name() {
    return "onehot";
  }

  @Override
  public double[] features(Variant variant) {
    String seq = variant.mutantSequence();
    double[] x = new double[seq.length() * 20];
    for (int i = 0; i < seq.length(); i++) {
      int a = Mutation.AMINO_ACIDS.indexOf(seq.charAt(i));
      if (a >= 0) {
        x[i * 20 + a] = 1;
      }
    }
    return x;
  }
}
