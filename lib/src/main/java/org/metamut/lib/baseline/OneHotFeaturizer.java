package org.metamut.lib.baseline;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.metamut.lib.mutation.Mutation;

/**
 * One-hot encoding of the full <b>mutant</b> sequence: {@code L × 20} features, feature
 * {@code (pos − 1)·20 + a} is 1 when residue {@code a} ({@link Mutation#AMINO_ACIDS} order) is at 1-based
 * position {@code pos}. Every position contributes, so the wild-type residue's column at a mutated position
 * turns 0 — which lets a linear model share a site's effect between different substitutions there (a
 * one-hot of only the mutated (position, residue) pairs cannot, and is degenerate for single mutants).
 * A non-standard residue in the wild type (e.g. X) gives an all-zero block. Dimension depends on the
 * wild-type length, so a model fitted on one task applies to variants of that protein only.
 *
 * <p><b>Several proteins in one task</b> (a pooled task): positions of different proteins mean different things, so
 * {@link #forSupport} gives one block per distinct wild type of the support set (sorted by sequence), and a variant
 * fills its own protein's block, the others stay 0. A variant of a protein absent from the support fills no block.
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

  @Override
  public Featurizer forSupport(List<Variant> support) {
    TreeSet<String> wildTypes = new TreeSet<>();
    support.forEach(v -> wildTypes.add(v.wildType()));
    return wildTypes.size() <= 1 ? this : new PerProtein(new ArrayList<>(wildTypes));
  }

  /** One one-hot block per wild type of a multi-protein support set. */
  private record PerProtein(List<String> wildTypes) implements Featurizer {

    @Override
    public String name() {
      return "onehot-per-protein";
    }

    @Override
    public double[] features(Variant variant) {
      int width = 0;
      int offset = -1;
      for (String wt : wildTypes) {
        if (wt.equals(variant.wildType())) {
          offset = width;
        }
        width += wt.length() * 20;
      }
      double[] x = new double[width];
      if (offset >= 0) {
        double[] own = new OneHotFeaturizer().features(variant);
        System.arraycopy(own, 0, x, offset, own.length);
      }
      return x;
    }
  }
}
