package org.metamut.jobs.train;

import org.metamut.lib.progress.Progress;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The progress line: step, losses, tasks/s, time per step and ETA, at most once per interval (and always for
 * the first and last step), plus one line per evaluation.
 */
final class ProgressListener implements TrainListener {
  private final Consumer<String> out;
  private final long intervalNanos;
  private final LongSupplier clock;
  private long start;
  private long firstStep;
  private long lastPrint;
  private long tasks;

  ProgressListener(Consumer<String> out, long intervalMs, LongSupplier clock) {
    this.out = out;
    this.intervalNanos = intervalMs * 1_000_000L;
    this.clock = clock;
  }

  @Override
  public void onStart(StartInfo i) {
    start = clock.getAsLong();
    firstStep = i.firstStep();
    lastPrint = Long.MIN_VALUE / 2;
    out.accept(String.format(Locale.ROOT, "%s, %s; %d meta-train / %d meta-val episodes; steps %d..%d, %d tasks per step",
        i.learner(), i.model(), i.trainEpisodes(), i.valEpisodes(), i.firstStep(), i.lastStep(), i.metaBatchTasks()));
  }

  @Override
  public void onStepEnd(StepReport r) {
    tasks += r.tasks();
    long now = clock.getAsLong();
    if (now - lastPrint < intervalNanos && r.step() != firstStep && r.step() != r.lastStep()) {
      return;
    }
    lastPrint = now;
    double secs = (now - start) / 1e9;
    long done = r.step() - firstStep + 1;
    double perStep = secs / done;
    long left = r.step() <= r.lastStep() ? r.lastStep() - r.step() : 0;
    out.accept(String.format(Locale.ROOT, "step %d/%d (%.1f%%): loss %.4f -> %.4f (pre -> post adaptation), |g| %.3g%s, "
            + "%.1f tasks/s, %.0f ms/step, ETA %s",
        r.step(), r.lastStep(), 100.0 * r.step() / r.lastStep(), r.preLoss(), r.postLoss(), r.gradNorm(),
        r.clipped() ? " (clipped)" : "", secs > 0 ? tasks / secs : 0.0, perStep * 1000, Progress.formatDuration(left * perStep)));
  }

  @Override
  public void onEval(EvalReport e) {
    out.accept(String.format(Locale.ROOT, "meta-val at step %d on %d tasks (%d episodes): query Spearman %.4f%s, "
        + "query loss %.4f before, %.4f after adaptation (%.0f ms)", e.step(), e.tasks(), e.episodes(), e.spearman(),
        e.best() ? " (best so far)" : "", e.preLoss(), e.postLoss(), e.nanos() / 1e6));
  }

  @Override
  public void onSelection(SelectionReport r) {
    out.accept(String.format(Locale.ROOT, "model: θ of step %d (meta-val query Spearman %.4f)%s; %s", r.selectedStep(),
        r.spearman(), r.stoppedEarly() ? ", stopped early at step " + r.lastStep() : "", r.recipe()));
  }
}
