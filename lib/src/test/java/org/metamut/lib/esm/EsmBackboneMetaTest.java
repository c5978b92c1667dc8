package org.metamut.lib.esm;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.meta.MetaGradientAggregator;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.meta.OuterStep;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.Transformer;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.optim.Adam;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tuning the tiny ESM-2 as a backbone inside each meta-learner, the project's way (a {@link MetaLearner} from the
 * registry, per-task meta-gradients summed by a {@link MetaGradientAggregator}, Adam outer steps): MAML (second order,
 * through the finite-difference Hessian-vector product), FOMAML, ANIL, Reptile and the closed-form head each take 8 outer
 * steps on 4 tasks of the tiny checkpoint's sequences, and the mean query MSE after adapting to each task's support set
 * must fall by a quarter at least (measured: MAML, FOMAML, ANIL and the closed-form head by 70–94%, Reptile, whose
 * direction is joint training on the support sets, by ~33%), and the backbone's parameters (not only the head) must
 * move. Targets are a synthetic substitution effect (hydropathy change at the sites, a per-task scale), so the tasks
 * share structure that the backbone's site features can carry. Prints the time per outer step (float64).
 */
class EsmBackboneMetaTest {

  private static final String[] WILD_TYPES = {"MKTAYIAKQR", "MTYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE",
      "MKTAYIAKQRQISFVKSHFSRQ"};
  private static final String AA = "ACDEFGHIKLMNPQRSTVWY";
  /** Kyte–Doolittle hydropathy in {@link #AA}'s order. */
  private static final double[] HYDROPATHY = {1.8, 2.5, -3.5, -3.5, 2.8, -0.4, -3.2, 4.5, -3.9, 3.8, 1.9, -3.5, -1.6,
      -3.5, -4.5, -0.8, -0.7, 4.2, -0.9, -1.3};
  private static final int MAX_TOKENS = 24;

  static EsmBackbone.Imported imported;

  @BeforeAll
  static void load() {
    imported = EsmBackbone.load(TestCheckpoints.tiny(), MAX_TOKENS);
  }

  private static TokenBatch batch(String wt, double scale, long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    Encoder e = Encoder.of(new EncoderSpec(EncoderSpec.ESM, MAX_TOKENS));
    List<EncodedVariant> vs = new ArrayList<>();
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      List<Mutation> muts = new ArrayList<>();
      int first = 1 + r.nextInt(wt.length() - 4);
      int sites = 1 + r.nextInt(2); // singles and doubles: a multi-mutant flags both sites
      double effect = 0;
      for (int k = 0; k < sites; k++) {
        int pos = first + 3 * k;
        char w = wt.charAt(pos - 1);
        char mt = AA.charAt((AA.indexOf(w) + 1 + r.nextInt(19)) % 20);
        muts.add(new Mutation(pos, w, mt));
        effect += HYDROPATHY[AA.indexOf(mt)] - HYDROPATHY[AA.indexOf(w)];
      }
      vs.add(e.encode(wt, muts));
      y[i] = scale * effect / 4.0;
    }
    return EncodedVariant.toBatch(vs, y, 0);
  }

  private static List<MetaTask> tasks() {
    List<MetaTask> ts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String wt = WILD_TYPES[i % WILD_TYPES.length];
      double scale = 0.8 + 0.15 * i;
      ts.add(new MetaTask(i, "task" + i, batch(wt, scale, 10 + i, 6), batch(wt, scale, 100 + i, 8)));
    }
    return ts;
  }

  /** Mean over the tasks of the query MSE after the learner adapts φ to the task's support set. */
  private static double adaptedQueryLoss(MetaLearner l, Transformer m, double[] phi, List<MetaTask> ts) {
    double sum = 0;
    for (MetaTask t : ts) {
      sum += m.loss(l.adapt(m, phi, t.support(), l.inner().steps()), t.query());
    }
    return sum / ts.size();
  }

  @ParameterizedTest
  @ValueSource(strings = {"maml", "fomaml", "anil", "reptile", "cf-head"})
  void outerStepsOnTheTinyEsmBackboneLowerTheAdaptedQueryLoss(String name) {
    ParamLayout layout = ParamLayout.of(imported.spec());
    MetaLearner l = Methods.metaLearner(name, InnerLoop.sgd(1, 0.005), layout.headRange(), Method.LearnerOptions.DEFAULTS);
    List<MetaTask> ts = tasks();
    try (Transformer m = new Transformer(imported.spec(), DataType.DOUBLE)) {
      double[] phi = l.initialMetaParams(imported.theta());
      double before = adaptedQueryLoss(l, m, phi, ts);
      Adam adam = Adam.standard(phi.length, 0.003);
      int steps = 8;
      long start = System.nanoTime();
      for (int s = 1; s <= steps; s++) {
        MetaGradientAggregator agg = MetaGradientAggregator.zero(phi.length, ts.size());
        for (MetaTask t : ts) {
          agg.add(l.metaGradient(m, phi, t));
        }
        OuterStep.apply(s, agg, adam, 10.0, phi);
      }
      double msPerStep = (System.nanoTime() - start) / 1e6 / steps;
      double after = adaptedQueryLoss(l, m, phi, ts);
      System.out.printf(Locale.ROOT, "ESM backbone %s: adapted query MSE %.4f -> %.4f after %d outer steps (4 tasks, "
          + "%d parameters), %.0f ms per outer step%n", name, before, after, steps, layout.numParams(), msPerStep);
      assertTrue(after < 0.75 * before, name + ": adapted query loss " + before + " -> " + after);
      // the backbone itself was fine-tuned, not only the head
      double moved = 0;
      double[] theta0 = imported.theta();
      for (int i = 0; i < layout.headRange().from(); i++) {
        moved = Math.max(moved, Math.abs(phi[i] - theta0[i]));
      }
      assertTrue(moved > 1e-3, name + ": the backbone moved at most " + moved);
    }
  }
}
