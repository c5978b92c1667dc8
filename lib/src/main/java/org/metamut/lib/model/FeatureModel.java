package org.metamut.lib.model;

/**
 * A {@link FlatModel} whose per-variant feature vector (the input of its scalar head) can be read and
 * differentiated: what a closed-form head needs from a backbone ({@code org.metamut.lib.head}).
 */
public interface FeatureModel extends FlatModel {

  /** Length of a variant's feature vector. */
  int featureDim();

  /** The features of every example of the batch, [B][featureDim]. */
  double[][] features(double[] theta, TokenBatch batch);

  /**
   * The vector-Jacobian product ∂(Σ_b,i dFeatures[b][i] · features[b][i]) / ∂θ for the same batch, written into
   * {@code grad} (overwritten). Parameters that do not reach the features (the scalar head) get 0.
   */
  void featureGradient(double[] theta, TokenBatch batch, double[][] dFeatures, double[] grad);
}
