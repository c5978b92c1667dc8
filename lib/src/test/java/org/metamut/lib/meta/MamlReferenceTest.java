package org.metamut.lib.meta;

import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ParamRange;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metamut.lib.io.NamedParams;
import org.metamut.lib.model.ReferenceBatches;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.InputStream;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relative error of our second-order meta-gradient against {@code meta_grad_maml2}, by relative HVP step r
 * (ε = r·max(‖θ‖,1)/‖u‖), central differences (forward differences are 50–500× worse):
 * <pre>
 *   r        1e-3    1e-4    1e-5    1e-6    1e-7     1e-8    1e-9
 *   float64  2.6e-2  2.8e-4  2.8e-6  2.8e-8  2.8e-10  1.3e-9  1.4e-8
 *   float32  2.6e-2  2.7e-4  5.4e-4  (3e-5: 1.8e-4; 3e-6: 1.5e-3)
 * </pre>
 * Our MAML on the tiny transformer of {@code maml-reference.json} (independent float64 implementation, exact
 * second-order gradients): meta-loss, second-order meta-gradient with finite-difference Hessian-vector
 * products, and the first-order approximation.
 */
class MamlReferenceTest {
  static JsonNode ref;
  static ModelSpec spec;
  static ParamLayout layout;
  static double[] theta;
  static MetaTask[] tasks;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in = MamlReferenceTest.class.getResourceAsStream("/maml-reference.json")) {
      ref = new ObjectMapper().readTree(in);
    }
    JsonNode c = ref.get("config");
    spec = ModelSpec.reference(c.get("layers").asInt(), c.get("d_model").asInt(), c.get("heads").asInt(),
        c.get("ff").asInt(), c.get("seq_len").asInt());
    layout = ParamLayout.of(spec);
    theta = NamedParams.fromJson(ref, layout, "maml-reference.json");
    tasks = new MetaTask[ref.get("tasks").size()];
    for (int i = 0; i < tasks.length; i++) {
      JsonNode t = ref.get("tasks").get(i);
      tasks[i] = new MetaTask(i, "ref-" + i, ReferenceBatches.of(t.get("support_ids"), t.get("support_y")),
          ReferenceBatches.of(t.get("query_ids"), t.get("query_y")));
    }
  }

  static double[] named(String key) {
    ObjectNode wrap = new ObjectMapper().createObjectNode();
    wrap.set("params", ref.get(key));
    return NamedParams.fromJson(wrap, layout, "maml-reference.json " + key);
  }

  static MetaGradientAggregator run(String a, DataType dt, double hvpStep, boolean central) {
    JsonNode c = ref.get("config");
    InnerLoop inner = InnerLoop.sgd(c.get("inner_steps").asInt(), c.get("inner_lr").asDouble()).withHvp(hvpStep, central);
    MetaLearner l = Methods.metaLearner(a, inner, ParamRange.trailing(theta.length, spec.dModel() + 1), new Method.LearnerOptions(true, false));
    MetaGradientAggregator agg = MetaGradientAggregator.zero(theta.length, tasks.length);
    try (Transformer m = new Transformer(spec, dt)) {
      for (MetaTask t : tasks) {
        agg.add(l.metaGradient(m, theta, t));
      }
    }
    return agg;
  }

  @Test
  void secondOrderMamlMatchesReferenceInDouble() {
    double[] want = named("meta_grad_maml2");
    double[] fomaml = named("meta_grad_fomaml");
    MetaGradientAggregator agg = run("maml", DataType.DOUBLE, FiniteDifferenceHvp.DEFAULT_STEP_FLOAT64, true);
    double lossWant = ref.get("meta_loss_maml2").asDouble();
    assertEquals(lossWant, agg.meanPostLoss(), 1e-9 * Math.abs(lossWant));
    double err = Exact.relErr(agg.meanGradient(), want);
    System.out.printf(Locale.ROOT, "maml-reference: meta-loss rel. error %.1e; MAML (2nd order, central FD-HVP r=1e-6, float64) "
            + "meta-gradient rel. error %.2e; reference FOMAML vs MAML differ by %.2e%n",
        Math.abs(agg.meanPostLoss() - lossWant) / lossWant, err, Exact.relErr(fomaml, want));
    assertTrue(err < 1e-6, "meta_grad_maml2 relative error " + err);
    assertTrue(Exact.relErr(fomaml, want) > 1e-2, "the reference's FOMAML and MAML gradients should differ");
  }

  @Test
  void firstOrderMamlMatchesReference() {
    double[] want = named("meta_grad_fomaml");
    MetaGradientAggregator agg = run("fomaml", DataType.DOUBLE, 1e-5, true);
    double err = Exact.relErr(agg.meanGradient(), want);
    assertTrue(err < 1e-9, "meta_grad_fomaml relative error " + err);
    assertTrue(Exact.relErr(agg.meanGradient(), named("meta_grad_maml2")) > 1e-2);
  }

  @Test
  void float32ComputeIsCloseWithALargerStep() {
    // float32 model: rounding in the gradients dominates tiny steps; the sweep in FiniteDifferenceHvp's doc
    // puts the best relative step near 3e-5..1e-4 (error ~2e-4)
    MetaGradientAggregator agg = run("maml", DataType.FLOAT, FiniteDifferenceHvp.DEFAULT_STEP_FLOAT32, true);
    double err = Exact.relErr(agg.meanGradient(), named("meta_grad_maml2"));
    System.out.printf(Locale.ROOT, "maml-reference: MAML with a float32 model (r=5e-5) meta-gradient rel. error %.2e%n", err);
    assertTrue(err < 1e-3, "float32 meta-gradient relative error " + err);
  }
}
