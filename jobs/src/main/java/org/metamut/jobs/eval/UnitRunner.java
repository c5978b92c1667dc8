package org.metamut.jobs.eval;

import org.apache.spark.broadcast.Broadcast;
import org.metamut.lib.adapt.AdaptedModel;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.baseline.Baseline;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.baseline.FewShotRun;
import org.metamut.lib.baseline.LabelledVariant;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.esm.EsmBaselines;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;
import org.metamut.lib.metrics.Calibration;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.report.FailedRun;
import org.metamut.lib.report.ResultRecord;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Executor side: runs the units of one partition. Neural methods go through the adaptation contract
 * ({@link Adapter}: the method's own recipe, support-only label normalisation, predictions mapped back). Baselines:
 * {@link FewShotRun} with the registry's baseline. One model instance per (partition, encoder), closed at the end.
 * Every variant is encoded or featurised against its own protein's wild type (a pooled task mixes proteins).
 *
 * <p>A unit that throws becomes a {@link FailedRun} (its coordinates and the error) and the partition goes on: one
 * broken (task, method, k, seed) run must not cost the other runs, nor the report.
 */
public final class UnitRunner implements Serializable {
  private static final long serialVersionUID = 4L;

  private final Broadcast<List<TaskData>> tasks;
  private final Broadcast<Map<String, Adapter>> adapters;
  private final List<MethodSpec> methods;
  private final Map<String, ModelFactory> factories;
  private final Method.Resources resources;

  /**
   * @param adapters  by method name (neural methods)
   * @param factories model factory by encoder kind (the wild-type + mask encoder adds a flag input)
   * @param resources what baselines need from the user (an ESM-2 checkpoint folder)
   */
  public UnitRunner(Broadcast<List<TaskData>> tasks, Broadcast<Map<String, Adapter>> adapters, List<MethodSpec> methods,
                    Map<String, ModelFactory> factories, Method.Resources resources) {
    this.tasks = tasks;
    this.adapters = adapters;
    this.methods = List.copyOf(methods);
    this.factories = Map.copyOf(factories);
    this.resources = resources;
  }

  /** What one unit produced: a result, or the failure that took its place. */
  public record Outcome(ResultRecord record, FailedRun failure) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  public Iterator<Outcome> runPartition(Iterator<EvalUnit> units) {
    Map<String, FlatModel> models = new HashMap<>();
    esmFeatures = null; // one per partition, created on first use
    // one baseline instance per method and partition: an ESM baseline loads its checkpoint once and its caches
    // (scores of a site, embeddings of a variant) serve every task, k and seed of the partition
    Map<String, Baseline> baselines = new HashMap<>();
    List<Outcome> out = new ArrayList<>();
    try {
      while (units.hasNext()) {
        out.add(outcome(units.next(), models, baselines));
      }
    } finally {
      models.values().forEach(FlatModel::close);
    }
    return out.iterator();
  }

  Outcome outcome(EvalUnit u, Map<String, FlatModel> models, Map<String, Baseline> baselines) {
    try {
      return new Outcome(run(u, models, baselines), null);
    } catch (RuntimeException e) {
      TaskData t = tasks.value().get(u.task());
      return new Outcome(null, FailedRun.of(t.task(), t.family(), methods.get(u.method()).name(), u.k(), u.seed(), e));
    }
  }

  ResultRecord run(EvalUnit u, Map<String, FlatModel> models, Map<String, Baseline> baselines) {
    TaskData t = tasks.value().get(u.task());
    MethodSpec m = methods.get(u.method());
    if (!m.kind().neural()) {
      return baseline(m, t, u, baselines.computeIfAbsent(m.method(), n -> Methods.get(n).createBaseline(resources)));
    }
    FlatModel model = models.computeIfAbsent(m.encoder().kind(), k -> factories.get(k).create());
    return neural(m, t, u, model);
  }

  /** The ESM-2 features of a closed-form head's ESM block, for this partition (its store first, then the model). */
  private transient Featurizer esmFeatures;

  private Featurizer esmFeatures() {
    if (esmFeatures == null) {
      if (resources.esmCheckpoint().isEmpty()) {
        throw new IllegalStateException("a closed-form head with an ESM-2 block but no metamut.esm.checkpoint");
      }
      esmFeatures = EsmBaselines.features(resources.esmCheckpoint(), resources.esmFeatures());
    }
    return esmFeatures;
  }

  private static List<LabelledVariant> labelled(TaskData t, int[] idx) {
    List<LabelledVariant> l = new ArrayList<>(idx.length);
    for (int i : idx) {
      l.add(new LabelledVariant(new Variant(t.wildType(i), t.mutations(i)), t.targets()[i]));
    }
    return l;
  }

  private ResultRecord baseline(MethodSpec m, TaskData t, EvalUnit u, Baseline b) {
    List<LabelledVariant> s = labelled(t, u.support());
    List<LabelledVariant> q = labelled(t, u.query());
    ResultRecord r = t.classes() ? FewShotRun.classes(b, t.task(), t.family(), u.seed(), s, q)
        : FewShotRun.regression(b, t.task(), t.family(), u.seed(), s, q);
    return new ResultRecord(r.task(), r.family(), m.name(), r.k(), r.seed(), r.metrics(), r.adaptSeconds(), m.trainSeconds(),
        t.group());
  }

  /** The variants {@code idx} of a task, encoded. */
  static List<EncodedVariant> encode(Encoder enc, TaskData t, int[] idx) {
    return encode(enc, t, idx, null);
  }

  /** The variants {@code idx} of a task, encoded, each with its ESM-2 features when {@code esm} is not null. */
  static List<EncodedVariant> encode(Encoder enc, TaskData t, int[] idx, Featurizer esm) {
    List<EncodedVariant> ev = new ArrayList<>(idx.length);
    for (int i : idx) {
      EncodedVariant e = enc.encode(t.wildType(i), t.mutations(i));
      ev.add(esm == null ? e : e.withEsm(esm.features(new Variant(t.wildType(i), t.mutations(i)))));
    }
    return ev;
  }

  private static double[] targets(TaskData t, int[] idx) {
    return Arrays.stream(idx).mapToDouble(i -> t.targets()[i]).toArray();
  }

  /**
   * The evaluation of one neural unit: adapt on the task's {@code support} variants, predict its {@code query}
   * variants in label units. Returns {adapted θ, predictions, {adapt seconds}, predictive SDs in label units (empty
   * when the method has no uncertainty: SGD adaptation)}.
   */
  public static double[][] adaptAndPredict(Adapter adapter, FlatModel model, EncoderSpec encoder, TaskData t, int[] support,
                                           int[] query) {
    return adaptAndPredict(adapter, model, encoder, t, support, query, null);
  }

  /**
   * {@link #adaptAndPredict(Adapter, FlatModel, EncoderSpec, TaskData, int[], int[])} with the ESM-2 features a
   * closed-form head's ESM block reads ({@code esm}: used only when the adapter's recipe has the block; its feature
   * time counts as adaptation time for the support and is outside it for the query, as encoding is).
   */
  public static double[][] adaptAndPredict(Adapter adapter, FlatModel model, EncoderSpec encoder, TaskData t, int[] support,
                                           int[] query, Featurizer esm) {
    Encoder enc = Encoder.of(encoder);
    Featurizer e = adapter.recipe().esmFeatures() ? esm : null;
    if (adapter.recipe().esmFeatures() && esm == null) {
      throw new IllegalArgumentException("the recipe has an ESM-2 block but no ESM-2 features were given ("
          + adapter.recipe().describe() + ")");
    }
    long t0 = System.nanoTime();
    AdaptedModel adapted = adapter.adapt(model, encode(enc, t, support, e), targets(t, support), encoder.maxTokens());
    double adaptSeconds = (System.nanoTime() - t0) / 1e9;
    List<EncodedVariant> q = encode(enc, t, query, e);
    AdaptedModel.Predictions p = adapted.withSd(model, q);
    return new double[][] {adapted.theta(), p.mean(), {adaptSeconds}, p.sd() == null ? new double[0] : p.sd()};
  }

  private ResultRecord neural(MethodSpec m, TaskData t, EvalUnit u, FlatModel model) {
    Adapter a = adapters.value().get(m.name());
    double[][] r = adaptAndPredict(a, model, m.encoder(), t, u.support(), u.query(),
        a.recipe().esmFeatures() ? esmFeatures() : null);
    double[] sy = targets(t, u.support());
    double adaptSeconds = r[2][0];
    double[] p = r[1];
    double[] y = targets(t, u.query());
    Map<Metric, Double> metrics = new EnumMap<>(Metrics.regression(y, p));
    Calibration.addTo(metrics, y, p, r[3]);
    if (t.classes()) {
      int[] codes = Arrays.stream(sy).mapToInt(v -> (int) Math.rint(v)).toArray();
      int[] truth = Arrays.stream(y).mapToInt(v -> (int) Math.rint(v)).toArray();
      metrics.put(Metric.ACCURACY, Metrics.accuracy(truth, Metrics.nearestClass(p, codes)));
    }
    return new ResultRecord(t.task(), t.family(), m.name(), u.k(), u.seed(), metrics, adaptSeconds, m.trainSeconds(),
        t.group());
  }
}
