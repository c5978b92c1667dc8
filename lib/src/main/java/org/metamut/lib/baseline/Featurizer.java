package org.metamut.lib.baseline;

import java.io.Serializable;

/** Maps a variant to a fixed-length real feature vector; pure (no fitted state). */
public interface Featurizer extends Serializable {

  String name();

  double[] features(Variant variant);
}
