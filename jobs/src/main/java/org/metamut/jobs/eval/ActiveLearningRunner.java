package org.metamut.jobs.eval;

import org.apache.spark.broadcast.Broadcast;
import org.metamut.lib.adapt.AdaptedModel;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.baseline.Baseline;
import org.metamut.lib.baseline.LabelledVariant;
import org.metamut.lib.baseline.Predictor;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.report.ActiveLearningReport;
import org.metamut.lib.suggest.ActiveLearning;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Executor side of the active-learning benchmark: one campaign ({@link ActiveLearning#run}) per unit (task, strategy,
 * seed). The closed-form head refits through the adaptation contract ({@link Adapter}) every round and predicts the
 * whole pool with its SD; a ridge baseline refits from the registry. A campaign that throws becomes an error line and
 * the partition goes on.
 */
final class ActiveLearningRunner implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A strategy: the model ({@code cf-head} or a baseline's registry name) and how it picks. */
  record Strategy(String name, String method, ActiveLearning.Acquisition acquisition) implements Serializable {
  }

  /** One campaign. */
  record Unit(int task, int strategy, long seed) implements Serializable {
  }

  /** What a campaign produced: its rows, or the error. */
  record Outcome(List<ActiveLearningReport.Row> rows, String error) implements Serializable {
  }

  private final Broadcast<List<TaskData>> tasks;
  private final Adapter cfHead;
  private final ModelFactory factory;
  private final int maxTokens;
  private final List<Strategy> strategies;
  private final ActiveLearning.Settings settings;

  ActiveLearningRunner(Broadcast<List<TaskData>> tasks, Adapter cfHead, ModelFactory factory, int maxTokens,
                       List<Strategy> strategies, ActiveLearning.Settings settings) {
    this.tasks = tasks;
    this.cfHead = cfHead;
    this.factory = factory;
    this.maxTokens = maxTokens;
    this.strategies = List.copyOf(strategies);
    this.settings = settings;
  }

  Iterator<Outcome> runPartition(Iterator<Unit> units, org.metamut.lib.encode.EncoderSpec encoder) {
    List<Outcome> out = new ArrayList<>();
    FlatModel model = null;
    try {
      while (units.hasNext()) {
        Unit u = units.next();
        TaskData t = tasks.value().get(u.task());
        Strategy s = strategies.get(u.strategy());
        try {
          if (model == null && s.method().equals("cf-head")) {
            model = factory.create();
          }
          out.add(new Outcome(run(t, s, u.seed(), model, encoder), null));
        } catch (RuntimeException e) {
          out.add(new Outcome(List.of(), "task " + t.task() + ", " + s.name() + ", seed " + u.seed() + ": " + e));
        }
      }
    } finally {
      if (model != null) {
        model.close();
      }
    }
    return out.iterator();
  }

  private List<ActiveLearningReport.Row> run(TaskData t, Strategy s, long seed, FlatModel model,
                                             org.metamut.lib.encode.EncoderSpec encoder) {
    int n = t.size();
    List<List<Integer>> sites = new ArrayList<>(n);
    Map<String, Integer> proteinIndex = new HashMap<>();
    for (int i = 0; i < n; i++) {
      int p = proteinIndex.computeIfAbsent(t.proteinIds().get(i), k -> proteinIndex.size());
      List<Integer> si = new ArrayList<>();
      for (Mutation m : t.mutations(i)) {
        si.add(p * 1_000_000 + m.pos()); // a pooled task mixes proteins: a site is (protein, position)
      }
      sites.add(si);
    }
    ActiveLearning.Learner learner = s.method().equals("cf-head") ? cfHeadLearner(t, model, encoder)
        : baselineLearner(t, Methods.get(s.method()).createBaseline());
    long campaignSeed = seed * 0x9E3779B97F4A7C15L + t.task().hashCode();
    int[] start = ActiveLearning.startSet(n, settings.start(), campaignSeed);
    List<ActiveLearningReport.Row> rows = new ArrayList<>();
    for (ActiveLearning.Step st : ActiveLearning.run(t.targets(), sites, start, learner, s.acquisition(), settings,
        campaignSeed + 1)) {
      rows.add(new ActiveLearningReport.Row(t.task(), t.family(), t.group(), s.name(), seed, st.round(), st.labelled(),
          st.bestValue(), st.bestQuantile(), st.spearmanRemaining()));
    }
    return rows;
  }

  private ActiveLearning.Learner cfHeadLearner(TaskData t, FlatModel model, org.metamut.lib.encode.EncoderSpec encoder) {
    Encoder enc = Encoder.of(encoder);
    List<EncodedVariant> pool = new ArrayList<>(t.size());
    for (int i = 0; i < t.size(); i++) {
      pool.add(enc.encode(t.wildType(i), t.mutations(i)));
    }
    return (labelled, labels) -> {
      List<EncodedVariant> support = new ArrayList<>(labelled.length);
      for (int i : labelled) {
        support.add(pool.get(i));
      }
      AdaptedModel a = cfHead.adapt(model, support, labels, maxTokens);
      AdaptedModel.Predictions p = a.withSd(model, pool);
      return new ActiveLearning.Prediction(p.mean(), p.sd());
    };
  }

  private static ActiveLearning.Learner baselineLearner(TaskData t, Baseline b) {
    List<Variant> pool = new ArrayList<>(t.size());
    for (int i = 0; i < t.size(); i++) {
      pool.add(new Variant(t.wildType(i), t.mutations(i)));
    }
    return (labelled, labels) -> {
      List<LabelledVariant> support = new ArrayList<>(labelled.length);
      for (int j = 0; j < labelled.length; j++) {
        support.add(new LabelledVariant(pool.get(labelled[j]), labels[j]));
      }
      Predictor p = b.fit(support);
      return new ActiveLearning.Prediction(p.predict(pool), p.predictiveSd(pool));
    };
  }
}
