package org.metamut.lib.method;

import org.metamut.lib.baseline.CombinedRidgeBaseline;
import org.metamut.lib.baseline.RidgeBaseline;
import org.metamut.lib.esm.EsmBaselines;
import org.metamut.lib.meta.ClosedFormHeadLearner;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.meta.Maml;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.meta.Reptile;
import org.metamut.lib.model.ParamRange;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of methods: the only list of method names in metamut. Order is the order of reports and docs.
 * To add a method, register it here (one line) — the configuration keys, the CLI, the evaluate job and the report
 * pick it up from {@link #names}.
 */
public final class Methods {
  private static final Map<String, Method> REGISTRY = new LinkedHashMap<>();

  static {
    register(Method.metaLearner("maml", "MAML with the second-order outer gradient (finite-difference Hessian-vector "
        + "products through the inner loop)", true, (n, inner, head, o) -> new Maml(n, inner, true, null)));
    register(Method.metaLearner("fomaml", "first-order MAML: the outer gradient is the query gradient at the adapted "
        + "parameters", true, (n, inner, head, o) -> new Maml(n, inner, false, null)));
    register(Method.metaLearner("anil", "ANIL: the inner loop adapts only the scalar head (head.W, head.b)", true,
        (n, inner, head, o) -> new Maml(n, inner, o.anilSecondOrder(), head)));
    register(Method.metaLearner("reptile", "Reptile: the meta-gradient is θ − θ' after the inner steps", false,
        (n, inner, head, o) -> new Reptile(n, inner, o.reptileIncludeQuery())));
    register(Method.metaLearner("cf-head", "closed-form head (R2-D2): each task's scalar head is the exact ridge "
        + "solve on the model's features (use metamut.model.pooling = sites), differentiated through the solve", false,
        (n, inner, head, o) -> new ClosedFormHeadLearner(n, inner, head, o.cfHeadRankWeight())));
    register(Method.neural("finetune", MethodKind.FINE_TUNE, "joint pre-training on all meta-train tasks, then k-shot "
        + "fine-tuning of every parameter"));
    register(Method.neural("scratch", MethodKind.SCRATCH, "a freshly initialised model, k-shot fine-tuned"));
    register(Method.baseline("ridge-onehot", "ridge regression on the one-hot mutant sequence, penalty by "
        + "leave-one-out on the support set", RidgeBaseline::oneHot));
    register(Method.baseline("ridge-substitution", "ridge regression on substitution features (BLOSUM62, "
        + "hydropathy, volume, charge), penalty by leave-one-out on the support set", RidgeBaseline::substitution));
    register(Method.baseline("ridge-combined", "ridge regression on substitution features and the one-hot mutant "
        + "sequence, a penalty per block, both by leave-one-out on the support set", CombinedRidgeBaseline::of));
    register(Method.esmBaseline("esm-zero-shot", "ESM-2 masked-marginal zero-shot score (sum over the mutations of "
        + "log p(mt) - log p(wt), site masked) from a user's checkpoint; no training, labels only set its scale",
        (n, r) -> EsmBaselines.zeroShot(n, r.esmCheckpoint(), r.esmFeatures())));
    register(Method.esmBaseline("ridge-esm", "ridge regression on frozen ESM-2 features (final layer averaged over the "
        + "mutated sites, plus the zero-shot score), penalty by leave-one-out on the support set",
        (n, r) -> EsmBaselines.ridge(n, r.esmCheckpoint(), r.esmFeatures())));
  }

  private Methods() {
  }

  /** Adds a method; its name must be new. */
  public static synchronized void register(Method m) {
    if (REGISTRY.containsKey(m.name())) {
      throw new IllegalArgumentException("method '" + m.name() + "' is already registered");
    }
    REGISTRY.put(m.name(), m);
  }

  /** The method of that name; an unknown name is an error naming the known ones. */
  public static Method get(String name) {
    Method m = REGISTRY.get(name);
    if (m == null) {
      throw new IllegalArgumentException("unknown method '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
    return m;
  }

  public static boolean contains(String name) {
    return REGISTRY.containsKey(name);
  }

  /** Every registered name, in registration order. */
  public static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  /** The names of methods of the given kinds, in registration order. */
  public static List<String> names(MethodKind... kinds) {
    List<MethodKind> ks = Arrays.asList(kinds);
    return REGISTRY.values().stream().filter(m -> ks.contains(m.kind())).map(Method::name).toList();
  }

  /** {@code name (doc), name (doc)} for the methods of these kinds: for config docs and {@code --help}. */
  public static String describe(MethodKind... kinds) {
    List<MethodKind> ks = Arrays.asList(kinds);
    return String.join("; ", REGISTRY.values().stream().filter(m -> ks.contains(m.kind()))
        .map(m -> m.name() + " (" + m.doc() + ")").toList());
  }

  /** Every registered method. */
  public static Map<String, Method> all() {
    return Collections.unmodifiableMap(REGISTRY);
  }

  /** The meta-learner {@code name} with these settings; throws naming the known meta-learners if it is not one. */
  public static MetaLearner metaLearner(String name, InnerLoop inner, ParamRange head, Method.LearnerOptions options) {
    Method m = REGISTRY.get(name);
    if (m == null || m.kind() != MethodKind.META_LEARNER) {
      throw new IllegalArgumentException("unknown meta-learner '" + name + "' (known: "
          + String.join(", ", names(MethodKind.META_LEARNER)) + ")");
    }
    return m.createLearner(inner, head, options);
  }
}
