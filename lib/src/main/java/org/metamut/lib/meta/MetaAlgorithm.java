package org.metamut.lib.meta;

import java.util.Locale;

/** The meta-learning algorithms, by their configuration name. */
public enum MetaAlgorithm {
  /** MAML with the full second-order outer gradient (Hessian-vector products through the inner loop). */
  MAML,
  /** First-order MAML: the outer gradient is the query gradient at the adapted parameters. */
  FOMAML,
  /** ANIL: the inner loop adapts only the head (the last parameters of θ); first- or second-order. */
  ANIL,
  /** Reptile: the meta-gradient is θ − θ' after inner steps on support ∪ query. */
  REPTILE;

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static MetaAlgorithm fromConfig(String name) {
    for (MetaAlgorithm a : values()) {
      if (a.configName().equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown meta-learning algorithm '" + name + "' (maml, fomaml, anil, reptile)");
  }
}
