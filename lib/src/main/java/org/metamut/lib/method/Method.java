package org.metamut.lib.method;

import org.metamut.lib.baseline.Baseline;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.model.ParamRange;

import java.io.Serializable;
import java.util.Objects;
import java.util.function.Function;

/**
 * One registered method.
 *
 * @param name               its name everywhere (configuration, CLI, model files, reports)
 * @param kind               how it is trained and run
 * @param doc                one sentence for {@code --help}, {@code config keys} and the docs
 * @param learner            builds the meta-learner ({@link MethodKind#META_LEARNER} only, else null)
 * @param learnedRates       whether the meta-learner supports Meta-SGD's learned inner rates
 * @param baseline           builds the baseline from its name and the configured resources
 *                           ({@link MethodKind#BASELINE} only, else null)
 * @param needsEsm           the baseline runs an ESM-2 checkpoint ({@link Resources#esmCheckpoint} must be set)
 */
public record Method(String name, MethodKind kind, String doc, LearnerFactory learner, boolean learnedRates,
                     BaselineFactory baseline, boolean needsEsm) {

  /** Builds a baseline from its registered name and the resources the user configured. */
  @FunctionalInterface
  public interface BaselineFactory {
    Baseline create(String name, Resources resources);
  }

  /**
   * What a baseline may need beyond its name: files the user provides (not part of metamut).
   *
   * @param esmCheckpoint an ESM-2 HuggingFace checkpoint folder, or "" when none is configured
   * @param esmFeatures   per-variant values of that checkpoint computed earlier (the feature cache), or null: the ESM
   *                      baselines read a variant from here before running the model
   */
  public record Resources(String esmCheckpoint, org.metamut.lib.esm.EsmFeatureStore esmFeatures) implements Serializable {
    private static final long serialVersionUID = 2L;
    public static final Resources NONE = new Resources("");

    /** A checkpoint without stored features. */
    public Resources(String esmCheckpoint) {
      this(esmCheckpoint, null);
    }

    public Resources {
      Objects.requireNonNull(esmCheckpoint, "esmCheckpoint");
    }

    /** The same resources with the values of {@code store} (of this checkpoint) to read first. */
    public Resources withEsmFeatures(org.metamut.lib.esm.EsmFeatureStore store) {
      return new Resources(esmCheckpoint, store);
    }
  }

  /** Builds a meta-learner from the shared settings. */
  @FunctionalInterface
  public interface LearnerFactory extends Serializable {
    /**
     * @param name    the registered name (recorded by the learner in its recipe)
     * @param inner   inner-loop settings
     * @param head    the model's head (what head-only learners adapt)
     * @param options algorithm-specific switches
     */
    MetaLearner create(String name, InnerLoop inner, ParamRange head, LearnerOptions options);
  }

  /**
   * Switches that only some learners read.
   *
   * @param anilSecondOrder     ANIL's outer gradient includes the second-order terms
   * @param reptileIncludeQuery Reptile's inner steps use support ∪ query
   * @param cfHeadRankWeight    cf-head's outer loss is the query MSE plus this weight × a pairwise ranking loss
   *                            ({@code ClosedFormHead#mseWithRanking}); 0 = the MSE alone
   */
  public record LearnerOptions(boolean anilSecondOrder, boolean reptileIncludeQuery, double cfHeadRankWeight)
      implements Serializable {
    public static final LearnerOptions DEFAULTS = new LearnerOptions(false, false, 0.0);

    /** ANIL's and Reptile's switches, cf-head's MSE alone. */
    public LearnerOptions(boolean anilSecondOrder, boolean reptileIncludeQuery) {
      this(anilSecondOrder, reptileIncludeQuery, 0.0);
    }
  }

  public Method {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    if (!name.matches("[a-z][a-z0-9-]*")) {
      throw new IllegalArgumentException("method name '" + name + "' must be lower-case letters, digits and '-'");
    }
    if ((kind == MethodKind.META_LEARNER) != (learner != null) || (kind == MethodKind.BASELINE) != (baseline != null)) {
      throw new IllegalArgumentException("method " + name + ": a meta-learner needs a learner factory and a baseline a "
          + "baseline factory, nothing else has either");
    }
  }

  static Method metaLearner(String name, String doc, boolean learnedRates, LearnerFactory factory) {
    return new Method(name, MethodKind.META_LEARNER, doc, factory, learnedRates, null, false);
  }

  static Method neural(String name, MethodKind kind, String doc) {
    return new Method(name, kind, doc, null, false, null, false);
  }

  static Method baseline(String name, String doc, Function<String, Baseline> factory) {
    return new Method(name, MethodKind.BASELINE, doc, null, false, (n, r) -> factory.apply(n), false);
  }

  /** A baseline that runs the configured ESM-2 checkpoint. */
  static Method esmBaseline(String name, String doc, BaselineFactory factory) {
    return new Method(name, MethodKind.BASELINE, doc, null, false, factory, true);
  }

  /** The meta-learner with these settings (meta-learners only). */
  public MetaLearner createLearner(InnerLoop inner, ParamRange head, LearnerOptions options) {
    if (learner == null) {
      throw new IllegalArgumentException("method " + name + " is a " + kind.name().toLowerCase() + " method, not a meta-learner");
    }
    if (inner.learnedRates() && !learnedRates) {
      throw new IllegalArgumentException(name + " does not support learned inner learning rates (Meta-SGD)");
    }
    return learner.create(name, inner, head, options);
  }

  /** The baseline (baselines only) without resources; one that needs a checkpoint refuses. */
  public Baseline createBaseline() {
    return createBaseline(Resources.NONE);
  }

  /** The baseline (baselines only) with the configured resources. */
  public Baseline createBaseline(Resources resources) {
    if (baseline == null) {
      throw new IllegalArgumentException("method " + name + " is not a baseline");
    }
    if (needsEsm && resources.esmCheckpoint().isEmpty()) {
      throw new IllegalArgumentException("method " + name + " needs an ESM-2 checkpoint folder (config.json, vocab.txt, "
          + "model.safetensors) and none is configured");
    }
    return baseline.create(name, resources);
  }
}
