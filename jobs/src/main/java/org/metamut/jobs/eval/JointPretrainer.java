package org.metamut.jobs.eval;

import org.metamut.jobs.train.MetaValidation;
import org.metamut.jobs.train.ModelSelection;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.model.ParamRange;
import org.metamut.jobs.spark.PartitionFold;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.data.MetaBatchSampler;
import org.metamut.jobs.data.VariantPool;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.meta.MetaGradientAggregator;
import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.meta.OuterStep;
import org.metamut.lib.meta.TaskResult;
import org.metamut.lib.meta.TokenBatches;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.optim.Adam;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The fine-tuning baseline's backbone: joint (multi-task) regression of the same transformer on the meta-train
 * episodes only, with the meta-training loop's budget: the same number of steps, the same episodes per step (drawn
 * by the same {@link MetaBatchSampler}), Adam on the driver. A step's loss is the mean over the drawn episodes of
 * the MSE on each episode's support ∪ query variants; per-episode gradients are computed on executors and summed
 * with {@link MetaGradientAggregator} over {@link PartitionFold}, as in meta-training.
 */
public final class JointPretrainer {

  /**
   * The pre-trained θ (the best step's on meta-val when a {@link Selection} was given, else the last step's), the task
   * ids it saw, its wall time, the last step's loss, the step whose θ was kept and the meta-val curve (empty without a
   * selection).
   */
  public record Result(double[] theta, Set<String> trainedTasks, double seconds, double lastLoss, long keptStep,
                       List<ModelSelection.Point> curve) {
  }

  /**
   * Model selection on meta-val, the same as meta-training's ({@code metamut.train.eval.*}): every {@code everySteps}
   * steps (and after the last) θ is adapted with the fine-tuning recipe on the meta-val {@code episodes} of the store
   * and scored by mean query Spearman; the best step's θ is kept and training stops after {@code patience}
   * evaluations without improvement — so fine-tuning gets the treatment its meta-learned rivals get.
   */
  public record Selection(int everySteps, int patience, int[] episodes, AdaptationRecipe recipe, ParamRange head) {
  }

  private JointPretrainer() {
  }

  /**
   * @param fresh              when not null, every (step, task) draws a fresh support ∪ query sample from all of the
   *                           task's variants, exactly as fresh-episode meta-training does (same sampler, same seeds);
   *                           null: the fixed episodes of {@code store}
   * @param say                progress: a line with step/total, loss, time per step and ETA at most every
   *                           {@code progressIntervalMs} (and always for the first and last step)
   */
  public static Result run(SparkSession spark, EpisodeStore store, VariantPool fresh, ModelFactory factory, int steps,
                           int tasksPerStep, double learningRate, double clipNorm, long seed, int parallelism,
                           long progressIntervalMs, Selection selection, Consumer<String> say) {
    long t0 = System.nanoTime();
    long lastPrint = Long.MIN_VALUE / 2;
    int[] pool = fresh != null ? fresh.taskIndices() : store.trainIndices();
    if (pool.length == 0) {
      throw new IllegalArgumentException("joint pre-training: no meta-train episodes");
    }
    Set<String> seen = new LinkedHashSet<>();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<EpisodeStore> bStore = jsc.broadcast(store);
    Broadcast<VariantPool> bFresh = fresh == null ? null : jsc.broadcast(fresh);
    double[] theta = factory.initialTheta(seed);
    org.metamut.jobs.train.DmsTableSeed.apply(theta, factory, store, fresh, say);
    Adam adam = new Adam(theta.length, learningRate, 0.9, 0.999, 1e-8, 0.0);
    double last = Double.NaN;
    boolean selecting = selection != null && selection.everySteps() > 0 && selection.episodes().length > 0;
    ModelSelection chooser = new ModelSelection(selecting ? selection.patience() : 0);
    String runId = "joint-" + java.util.UUID.randomUUID();
    double[] best = null;
    long lastStep = 0;
    try {
      for (long step = 1; step <= steps; step++) {
        lastStep = step;
        int[] chosen = MetaBatchSampler.sample(seed, step, pool, tasksPerStep);
        List<int[]> refs = new ArrayList<>();
        for (int slot = 0; slot < chosen.length; slot++) {
          refs.add(new int[] {slot, chosen[slot]});
          seen.add(fresh != null ? fresh.taskId(chosen[slot]) : store.episode(chosen[slot]).taskId());
        }
        Broadcast<double[]> bTheta = jsc.broadcast(theta.clone());
        int dim = theta.length;
        int slots = chosen.length;
        long stepNo = step;
        try {
          MetaGradientAggregator agg = PartitionFold.run(jsc, refs, parallelism, 2, it -> {
            MetaGradientAggregator a = MetaGradientAggregator.zero(dim, slots);
            try (FlatModel model = factory.create()) {
              while (it.hasNext()) {
                int[] ref = it.next();
                MetaTask task = bFresh != null ? bFresh.value().draw(seed, stepNo, ref[0], ref[1])
                    : bStore.value().task(ref[1], ref[0]);
                TokenBatch all = TokenBatches.concat(task.support(), task.query());
                double[] g = new double[dim];
                double l = model.lossAndGradient(bTheta.value(), all, g);
                a.add(new TaskResult(ref[0], task.taskId(), g, l, l, all.batchSize(), "cpu", null));
              }
            }
            return a;
          }, MetaGradientAggregator::merge);
          OuterStep.Summary sum = OuterStep.apply(step, agg, adam, clipNorm, theta);
          last = sum.preLoss();
        } finally {
          bTheta.destroy();
        }
        long now = System.nanoTime();
        if (step == 1 || step == steps || now - lastPrint >= progressIntervalMs * 1_000_000L) {
          lastPrint = now;
          double perStep = (now - t0) / 1e9 / step;
          say.accept(String.format(java.util.Locale.ROOT, "joint pre-training step %d/%d (%.1f%%): loss %.4f, %.0f ms/step, "
              + "ETA %s", step, steps, 100.0 * step / steps, last, perStep * 1000,
              org.metamut.lib.progress.Progress.formatDuration((steps - step) * perStep)));
        }
        if (selecting && (step % selection.everySteps() == 0 || step == steps)) {
          double rho = MetaValidation.run(jsc, runId, factory, bStore, List.of(new Adapter(theta, null, selection.recipe(),
              selection.head())), selection.episodes(), false).get(0).spearman();
          if (chooser.offer(step, rho)) {
            best = theta.clone();
          }
          say.accept(String.format(java.util.Locale.ROOT, "joint pre-training step %d: meta-val Spearman %.4f (best %.4f "
              + "at step %d)", step, rho, chooser.best() == null ? Double.NaN : chooser.best().metric(),
              chooser.best() == null ? 0 : chooser.best().step()));
          if (chooser.shouldStop()) {
            say.accept("joint pre-training: early stop at step " + step + ", no meta-val improvement in "
                + selection.patience() + " evaluations");
            break;
          }
        }
      }
    } finally {
      bStore.destroy();
      if (bFresh != null) {
        bFresh.destroy();
      }
    }
    boolean chose = best != null;
    return new Result(chose ? best : theta, seen, (System.nanoTime() - t0) / 1e9, last,
        chose ? chooser.best().step() : lastStep, chooser.curve());
  }
}
