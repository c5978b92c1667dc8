package org.metamut.jobs.train;

import java.util.Map;

/**
 * Events of a meta-training run. The loop computes, then announces; metrics, progress lines and checkpoints are
 * listeners. An exception thrown by a listener fails the job (a checkpoint that cannot be written is an error,
 * never a log line).
 */
public interface TrainListener {

  /** What the run starts from. {@code firstStep} &gt; 1 after a resume. */
  record StartInfo(String runId, long firstStep, long lastStep, int metaBatchTasks, int numMetaParams, String model,
                   String learner, int trainEpisodes, int valEpisodes) {
  }

  /**
   * One finished outer step. {@code state} gives φ and the optimiser state as of the end of this step;
   * {@code skipped}: why the step was not applied ({@link NanPolicy}), null when it was; {@code rateScale}: the
   * factor on the outer rate after this step.
   */
  record StepReport(long step, long lastStep, double preLoss, double postLoss, double gradNorm, boolean clipped,
                    int tasks, long examples, long stepNanos, String[] devices, TrainState state, String skipped,
                    double rateScale) {
    public double tasksPerSecond() {
      return stepNanos > 0 ? tasks / (stepNanos / 1e9) : 0;
    }
  }

  /**
   * An evaluation on meta-val with the evaluation protocol ({@link MetaValidation}): {@code tasks} meta-val tasks,
   * {@code episodes} episodes; query MSE (support-z-scored labels) before and after adaptation; mean query Spearman
   * after adaptation (the selection metric); {@code best}: the best evaluation so far.
   */
  record EvalReport(long step, int tasks, int episodes, double preLoss, double postLoss, double spearman, boolean best,
                    long nanos) {
  }

  /**
   * What meta-val selection chose at the end of a run: the step whose θ is the model, its metric, the last step run
   * ({@code stoppedEarly} when patience ran out) and the recipe, described.
   */
  record SelectionReport(long selectedStep, double spearman, long lastStep, boolean stoppedEarly, String recipe) {
  }

  /** Read access to the driver's state after a step (copies). */
  interface TrainState {
    double[] phi();

    String optimizerName();

    Map<String, double[]> optimizerState();
  }

  default void onStart(StartInfo info) throws Exception {
  }

  default void onStepEnd(StepReport report) throws Exception {
  }

  default void onEval(EvalReport report) throws Exception {
  }

  /** After the last step and the recipe choice, before the model is written (only when meta-val ran). */
  default void onSelection(SelectionReport report) throws Exception {
  }

  /** After the last step (also called with the last report when the run stops early with an exception: no). */
  default void onEnd(StepReport last) throws Exception {
  }
}
