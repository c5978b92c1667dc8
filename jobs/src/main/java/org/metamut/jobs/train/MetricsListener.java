package org.metamut.jobs.train;

import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-step metrics as JSON lines ({@code metrics.jsonl}: one object per training step, {@code "kind":"train"}, per
 * evaluation, {@code "kind":"eval"} (the meta-val curve), and at the end the choice, {@code "kind":"selection"}) and CSV ({@code metrics.csv}, training steps; {@code eval.csv}), written
 * through {@link RowLog} (Jackson). A non-finite loss is JSON {@code null} and an empty CSV field. Flushed after
 * every row. On a resume, rows of steps after the checkpoint are dropped first, so the files read as if the run
 * had never stopped.
 */
final class MetricsListener implements TrainListener {
  static final List<String> TRAIN_COLUMNS = List.of("step", "pre_loss", "post_loss", "grad_norm", "clipped", "tasks",
      "examples", "step_ms", "tasks_per_s", "skipped", "rate_scale");
  static final List<String> EVAL_COLUMNS = List.of("step", "tasks", "episodes", "val_pre_loss", "val_post_loss",
      "val_spearman", "best", "eval_ms");
  static final String TRAIN_HEADER = String.join(",", TRAIN_COLUMNS);

  private final RunFiles files;
  private final Path dir;
  private RowLog jsonl;
  private RowLog csv;
  private RowLog evalCsv;

  MetricsListener(RunFiles files, Path dir) {
    this.files = files;
    this.dir = dir;
  }

  @Override
  public void onStart(StartInfo info) throws IOException {
    files.mkdirs(dir);
    long keepUpTo = info.firstStep() - 1;
    jsonl = reopen("metrics.jsonl", RowLog.Format.JSONL, List.of(), keepUpTo);
    csv = reopen("metrics.csv", RowLog.Format.CSV, TRAIN_COLUMNS, keepUpTo);
    evalCsv = reopen("eval.csv", RowLog.Format.CSV, EVAL_COLUMNS, keepUpTo);
  }

  /** Rewrites the file keeping rows of steps ≤ keepUpTo (none on a fresh run), and leaves it open for appending. */
  private RowLog reopen(String name, RowLog.Format format, List<String> columns, long keepUpTo) throws IOException {
    Path p = new Path(dir, name);
    List<Map<String, Object>> kept = new ArrayList<>();
    if (keepUpTo > 0 && files.exists(p)) {
      try (InputStream in = files.open(p)) {
        for (Map<String, Object> row : RowLog.read(in, format)) {
          // the selection row is the end of a run: a resumed run writes its own
          if (Long.parseLong(String.valueOf(row.get("step"))) <= keepUpTo && !"selection".equals(row.get("kind"))) {
            kept.add(row);
          }
        }
      }
    }
    RowLog log = new RowLog(files.createLog(p), format, columns);
    for (Map<String, Object> row : kept) {
      log.append(row);
    }
    return log;
  }

  @Override
  public void onStepEnd(StepReport r) throws IOException {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", r.step());
    row.put("kind", "train");
    row.put("pre_loss", num(r.preLoss()));
    row.put("post_loss", num(r.postLoss()));
    row.put("grad_norm", num(r.gradNorm()));
    row.put("clipped", r.clipped());
    row.put("tasks", r.tasks());
    row.put("examples", r.examples());
    row.put("step_ms", millis(r.stepNanos()));
    row.put("tasks_per_s", round3(r.tasksPerSecond()));
    row.put("skipped", r.skipped()); // null when the step was applied
    row.put("rate_scale", r.rateScale());
    jsonl.append(row);
    csv.append(row);
  }

  @Override
  public void onEval(EvalReport e) throws IOException {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", e.step());
    row.put("kind", "eval");
    row.put("tasks", e.tasks());
    row.put("episodes", e.episodes());
    row.put("val_pre_loss", num(e.preLoss()));
    row.put("val_post_loss", num(e.postLoss()));
    row.put("val_spearman", num(e.spearman()));
    row.put("best", e.best());
    row.put("eval_ms", millis(e.nanos()));
    jsonl.append(row);
    evalCsv.append(row);
  }

  @Override
  public void onSelection(SelectionReport r) throws IOException {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", r.lastStep());
    row.put("kind", "selection");
    row.put("selected_step", r.selectedStep());
    row.put("val_spearman", num(r.spearman()));
    row.put("stopped_early", r.stoppedEarly());
    row.put("recipe", r.recipe());
    jsonl.append(row);
  }

  /** Null for NaN and ±∞: JSON has no literal for them. */
  private static Double num(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static Double millis(long nanos) {
    return round3(nanos / 1e6);
  }

  /** Three decimals, as the files have always shown timings. */
  private static Double round3(double v) {
    return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
  }

  @Override
  public void onEnd(StepReport last) throws IOException {
    close();
  }

  void close() throws IOException {
    for (RowLog o : new RowLog[] {jsonl, csv, evalCsv}) {
      if (o != null) {
        o.close();
      }
    }
    jsonl = csv = evalCsv = null;
  }
}
