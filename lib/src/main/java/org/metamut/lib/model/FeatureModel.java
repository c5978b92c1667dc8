package org.metamut.lib.model;

/**
 * A {@link FlatModel} whose per-variant feature vector (the input of its scalar head) can be read and
 * differentiated: what a closed-form head needs from a backbone ({@code org.metamut.lib.head}).
 */
public interface FeatureModel extends FlatModel {

  /** Length of a variant's feature vector. */
  int featureDim();

  /**
   * How many leading features are learned (depend on θ through the backbone); the rest are side features (e.g. the
   * substitution block), which the head's solve treats as a block of their own. Side features are fixed inputs except
   * where a model says otherwise (the transformer's DMS substitution column reads θ's {@code sub.dms}). The head's parameters are laid out as the learned features' weights, the bias,
   * then the side features' weights.
   */
  default int learnedFeatureDim() {
    return featureDim();
  }

  /** The features of every example of the batch, [B][featureDim]. */
  double[][] features(double[] theta, TokenBatch batch);

  /**
   * The vector-Jacobian product ∂(Σ_b,i dFeatures[b][i] · features[b][i]) / ∂θ for the same batch, written into
   * {@code grad} (overwritten). Parameters that do not reach the features (the scalar head) get 0; entries of
   * {@code dFeatures} beyond {@link #learnedFeatureDim()} reach θ only through side features that read it.
   */
  void featureGradient(double[] theta, TokenBatch batch, double[][] dFeatures, double[] grad);

  /**
   * One forward and one backward pass: the batch's features are handed to {@code lossGradient}, which returns
   * ∂loss/∂features; its vector-Jacobian product is written into {@code grad}. Equal to {@link #features} followed by
   * {@link #featureGradient}, without the second forward pass.
   */
  default void featureGradient(double[] theta, TokenBatch batch, java.util.function.UnaryOperator<double[][]> lossGradient,
                               double[] grad) {
    featureGradient(theta, batch, lossGradient.apply(features(theta, batch)), grad);
  }
}
