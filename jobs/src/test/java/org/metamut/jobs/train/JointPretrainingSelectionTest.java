package org.metamut.jobs.train;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.data.EpisodeLoader;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.eval.JointPretrainer;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.TransformerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fine-tuning baseline gets meta-training's model selection: its θ is the best meta-val step's (bit for bit the θ
 * of a run stopped there), and it stops after {@code patience} evaluations without improvement.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class JointPretrainingSelectionTest {

  @Test
  void jointPretrainingKeepsTheBestMetaValStepAndStopsEarly(@TempDir Path dir) {
    SparkSession spark = LocalSpark.get();
    SyntheticEpisodes.write(spark, dir.toString(), 6, 3, 2, 6, 5);
    EncoderSpec enc = new EncoderSpec(EncoderSpec.SEPARATOR, 16);
    EpisodeStore store = EpisodeLoader.load(spark, dir.resolve("episodes").toString(), dir.resolve("proteins").toString(),
        enc);
    TransformerFactory f = new TransformerFactory(ModelSpec.reference(1, 8, 2, 16, 16), true);
    AdaptationRecipe recipe = AdaptationRecipe.fineTune("finetune", 3, 0.05);
    int[] val = MetaValidation.episodes(store, 1000, 2);
    assertTrue(val.length > 0, "the synthetic data has meta-val episodes");

    List<String> lines = new ArrayList<>();
    JointPretrainer.Result sel = JointPretrainer.run(spark, store, null, f, 10, 4, 0.05, 1.0, 5, 2, 0,
        new JointPretrainer.Selection(1, 0, val, recipe, f.headRange()), lines::add);
    assertEquals(10, sel.curve().size(), lines.toString());
    ModelSelection.Point best = sel.curve().get(0);
    for (ModelSelection.Point p : sel.curve()) {
      if (p.metric() > best.metric()) {
        best = p;
      }
    }
    assertEquals(best.step(), sel.keptStep(), "the kept step is the curve's argmax: " + sel.curve());
    assertTrue(sel.curve().stream().mapToDouble(ModelSelection.Point::metric).distinct().count() > 1,
        "the curve moves, so a wrong step would show: " + sel.curve());
    JointPretrainer.Result stopped = JointPretrainer.run(spark, store, null, f, (int) best.step(), 4, 0.05, 1.0, 5, 2, 0,
        null, l -> { });
    assertArrayEquals(stopped.theta(), sel.theta(), 0.0, "θ of the kept step, bit for bit");
    assertTrue(stopped.curve().isEmpty());

    // patience 1: training stops at the first evaluation that does not beat the best so far
    int firstMiss = -1;
    double runningBest = Double.NEGATIVE_INFINITY;
    for (ModelSelection.Point p : sel.curve()) {
      if (!(p.metric() > runningBest) && firstMiss < 0) {
        firstMiss = (int) p.step();
      }
      runningBest = Math.max(runningBest, p.metric());
    }
    if (firstMiss > 0) {
      JointPretrainer.Result early = JointPretrainer.run(spark, store, null, f, 10, 4, 0.05, 1.0, 5, 2, 0,
          new JointPretrainer.Selection(1, 1, val, recipe, f.headRange()), l -> { });
      assertEquals(firstMiss, early.curve().size(), "stopped at step " + firstMiss + ": " + early.curve());
    }
  }
}
