package org.metamut.jobs.eval;

import org.apache.spark.broadcast.Broadcast;
import org.metamut.jobs.train.TransformerFactory;
import org.metamut.lib.baseline.Baseline;
import org.metamut.lib.baseline.FewShotRun;
import org.metamut.lib.baseline.LabelledVariant;
import org.metamut.lib.baseline.RidgeBaseline;
import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.meta.MetaAlgorithm;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.meta.MetaLearners;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.report.ResultRecord;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Executor side: runs the units of one partition. Neural methods: the support targets are standardised with the
 * support mean and standard deviation only ({@link Standardizer}), θ is adapted by {@code adaptSteps} SGD steps at
 * {@code adaptRate} (the method's inner loop: ANIL moves only the head), the query is predicted and mapped back.
 * Ridge methods: {@link FewShotRun}. One model instance per (partition, encoder flags), closed at the end.
 */
public final class UnitRunner implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<List<TaskData>> tasks;
  private final Broadcast<Map<String, double[]>> thetas;
  private final List<MethodSpec> methods;
  private final Map<String, TransformerFactory> factories;
  private final int adaptSteps;
  private final double adaptRate;

  /** @param factories model factory by encoder kind (the wild-type + mask encoder adds a flag input) */
  public UnitRunner(Broadcast<List<TaskData>> tasks, Broadcast<Map<String, double[]>> thetas, List<MethodSpec> methods,
                    Map<String, TransformerFactory> factories, int adaptSteps, double adaptRate) {
    this.tasks = tasks;
    this.thetas = thetas;
    this.methods = List.copyOf(methods);
    this.factories = Map.copyOf(factories);
    this.adaptSteps = adaptSteps;
    this.adaptRate = adaptRate;
  }

  public Iterator<ResultRecord> runPartition(Iterator<EvalUnit> units) {
    Map<String, FlatModel> models = new HashMap<>();
    List<ResultRecord> out = new ArrayList<>();
    try {
      while (units.hasNext()) {
        out.add(run(units.next(), models));
      }
    } finally {
      models.values().forEach(FlatModel::close);
    }
    return out.iterator();
  }

  ResultRecord run(EvalUnit u, Map<String, FlatModel> models) {
    TaskData t = tasks.value().get(u.task());
    MethodSpec m = methods.get(u.method());
    return switch (m.kind()) {
      case RIDGE_ONEHOT -> ridge(RidgeBaseline.oneHot(), m, t, u);
      case RIDGE_SUBSTITUTION -> ridge(RidgeBaseline.substitution(), m, t, u);
      case NEURAL -> neural(m, t, u, models.computeIfAbsent(m.encoder().kind(), k -> factories.get(k).create()));
    };
  }

  private static List<LabelledVariant> labelled(TaskData t, int[] idx) {
    List<LabelledVariant> l = new ArrayList<>(idx.length);
    for (int i : idx) {
      l.add(new LabelledVariant(new Variant(t.wildType(), t.mutations(i)), t.targets()[i]));
    }
    return l;
  }

  private ResultRecord ridge(Baseline b, MethodSpec m, TaskData t, EvalUnit u) {
    List<LabelledVariant> s = labelled(t, u.support());
    List<LabelledVariant> q = labelled(t, u.query());
    ResultRecord r = t.classes() ? FewShotRun.classes(b, t.task(), t.family(), u.seed(), s, q)
        : FewShotRun.regression(b, t.task(), t.family(), u.seed(), s, q);
    return new ResultRecord(r.task(), r.family(), m.name(), r.k(), r.seed(), r.metrics(), r.adaptSeconds(), m.trainSeconds());
  }

  private static TokenBatch batch(Encoder enc, TaskData t, int[] idx, int from, int to, double[] y, int seqLen) {
    List<EncodedVariant> ev = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      ev.add(enc.encode(t.wildType(), t.mutations(idx[i])));
    }
    return EncodedVariant.toBatch(ev, y == null ? new double[to - from] : java.util.Arrays.copyOfRange(y, from, to), seqLen);
  }

  private ResultRecord neural(MethodSpec m, TaskData t, EvalUnit u, FlatModel model) {
    Encoder enc = Encoder.of(m.encoder());
    int seqLen = m.encoder().maxTokens();
    double[] theta0 = thetas.value().get(m.thetaKey());
    MetaLearner learner = MetaLearners.create(MetaAlgorithm.fromConfig(m.adaptation()),
        InnerLoop.sgd(adaptSteps, adaptRate), model.numParams(), factories.get(m.encoder().kind()).headParams(), false);
    double[] sy = new double[u.support().length];
    for (int i = 0; i < sy.length; i++) {
      sy[i] = t.targets()[u.support()[i]];
    }
    long t0 = System.nanoTime();
    Standardizer st = Standardizer.fit(sy);
    TokenBatch support = batch(enc, t, u.support(), 0, sy.length, st.transform(sy), seqLen);
    double[] theta = learner.adapt(model, theta0, support, adaptSteps);
    double adaptSeconds = (System.nanoTime() - t0) / 1e9;
    int nq = u.query().length;
    double[] p = new double[nq];
    for (int from = 0; from < nq; from += 256) {
      int to = Math.min(nq, from + 256);
      double[] z = model.predict(theta, batch(enc, t, u.query(), from, to, null, seqLen));
      for (int i = 0; i < z.length; i++) {
        p[from + i] = Double.isFinite(z[i]) ? st.inverse(z[i]) : st.mean(); // diverged: the support mean
      }
    }
    double[] y = new double[nq];
    for (int i = 0; i < nq; i++) {
      y[i] = t.targets()[u.query()[i]];
    }
    Map<Metric, Double> metrics = new EnumMap<>(Metrics.regression(y, p));
    if (t.classes()) {
      int[] codes = java.util.Arrays.stream(sy).mapToInt(v -> (int) Math.rint(v)).toArray();
      int[] truth = java.util.Arrays.stream(y).mapToInt(v -> (int) Math.rint(v)).toArray();
      metrics.put(Metric.ACCURACY, Metrics.accuracy(truth, Metrics.nearestClass(p, codes)));
    }
    return new ResultRecord(t.task(), t.family(), m.name(), u.k(), u.seed(), metrics, adaptSeconds, m.trainSeconds());
  }
}
