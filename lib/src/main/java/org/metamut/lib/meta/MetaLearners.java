package org.metamut.lib.meta;

/** Builds the learner for an algorithm name. */
public final class MetaLearners {
  private MetaLearners() {
  }

  /**
   * @param headParams   number of trailing parameters of θ that form the head (ANIL adapts only these)
   * @param anilSecondOrder whether ANIL's outer gradient includes the second-order terms
   */
  public static MetaLearner create(MetaAlgorithm algorithm, InnerLoop inner, int numModelParams, int headParams,
                                   boolean anilSecondOrder) {
    return create(algorithm, inner, numModelParams, headParams, anilSecondOrder, false);
  }

  /** @param reptileIncludeQuery Reptile's inner steps use support ∪ query instead of the support set */
  public static MetaLearner create(MetaAlgorithm algorithm, InnerLoop inner, int numModelParams, int headParams,
                                   boolean anilSecondOrder, boolean reptileIncludeQuery) {
    return switch (algorithm) {
      case MAML -> new Maml(MetaAlgorithm.MAML, inner, true, 0, -1);
      case FOMAML -> new Maml(MetaAlgorithm.FOMAML, inner, false, 0, -1);
      case ANIL -> {
        if (headParams < 1 || headParams > numModelParams) {
          throw new IllegalArgumentException("ANIL needs a head of 1.." + numModelParams + " parameters, got " + headParams);
        }
        yield new Maml(MetaAlgorithm.ANIL, inner, anilSecondOrder, numModelParams - headParams, numModelParams);
      }
      case REPTILE -> new Reptile(inner, reptileIncludeQuery);
    };
  }
}
