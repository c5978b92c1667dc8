package org.metamut.lib.baseline;

import java.io.Serializable;
import java.util.List;

/** Maps a variant to a fixed-length real feature vector; pure (no fitted state). */
public interface Featurizer extends Serializable {

  String name();

  double[] features(Variant variant);

  /**
   * The featurizer to fit and predict one task with, given its support variants: itself, unless its columns
   * depend on which proteins the task holds (a multi-protein task; see {@link OneHotFeaturizer}).
   */
  default Featurizer forSupport(List<Variant> support) {
    return this;
  }
}
