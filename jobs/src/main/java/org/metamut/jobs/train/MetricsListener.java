package org.metamut.jobs.train;

import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-step metrics as JSON lines ({@code metrics.jsonl}: one object per training step, {@code "kind":"train"}, and
 * per evaluation, {@code "kind":"eval"}) and CSV ({@code metrics.csv}, training steps; {@code eval.csv}). Flushed
 * after every line. On a resume, lines of steps after the checkpoint are dropped first, so the files read as
 * if the run had never stopped.
 */
final class MetricsListener implements TrainListener {
  static final String TRAIN_HEADER = "step,pre_loss,post_loss,grad_norm,clipped,tasks,examples,step_ms,tasks_per_s";
  static final String EVAL_HEADER = "step,tasks,val_pre_loss,val_post_loss,eval_ms";

  private final RunFiles files;
  private final Path dir;
  private OutputStream jsonl;
  private OutputStream csv;
  private OutputStream evalCsv;

  MetricsListener(RunFiles files, Path dir) {
    this.files = files;
    this.dir = dir;
  }

  @Override
  public void onStart(StartInfo info) throws IOException {
    files.mkdirs(dir);
    long keepUpTo = info.firstStep() - 1;
    jsonl = reopen("metrics.jsonl", null, keepUpTo, true);
    csv = reopen("metrics.csv", TRAIN_HEADER, keepUpTo, false);
    evalCsv = reopen("eval.csv", EVAL_HEADER, keepUpTo, false);
  }

  /** Rewrites the file keeping lines of steps ≤ keepUpTo (none on a fresh run), and leaves it open for appending. */
  private OutputStream reopen(String name, String header, long keepUpTo, boolean json) throws IOException {
    Path p = new Path(dir, name);
    List<String> kept = new ArrayList<>();
    if (keepUpTo > 0 && files.exists(p)) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(files.open(p), StandardCharsets.UTF_8))) {
        String line;
        boolean first = true;
        while ((line = r.readLine()) != null) {
          if (!json && first) {
            first = false;
            continue;
          }
          first = false;
          long step = json ? jsonStep(line) : Long.parseLong(line.substring(0, line.indexOf(',')));
          if (step <= keepUpTo) {
            kept.add(line);
          }
        }
      }
    }
    OutputStream out = files.create(p);
    if (header != null) {
      write(out, header);
    }
    for (String l : kept) {
      write(out, l);
    }
    return out;
  }

  private static long jsonStep(String line) {
    int i = line.indexOf("\"step\":") + 7;
    int j = i;
    while (j < line.length() && Character.isDigit(line.charAt(j))) {
      j++;
    }
    return Long.parseLong(line.substring(i, j));
  }

  private static void write(OutputStream out, String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    if (out instanceof org.apache.hadoop.fs.Syncable s) {
      s.hflush();
    }
  }

  @Override
  public void onStepEnd(StepReport r) throws IOException {
    double ms = r.stepNanos() / 1e6;
    write(jsonl, String.format(Locale.ROOT, "{\"step\":%d,\"kind\":\"train\",\"pre_loss\":%s,\"post_loss\":%s,\"grad_norm\":%s,"
            + "\"clipped\":%b,\"tasks\":%d,\"examples\":%d,\"step_ms\":%.3f,\"tasks_per_s\":%.3f}",
        r.step(), num(r.preLoss()), num(r.postLoss()), num(r.gradNorm()), r.clipped(), r.tasks(), r.examples(), ms,
        r.tasksPerSecond()));
    write(csv, String.format(Locale.ROOT, "%d,%s,%s,%s,%b,%d,%d,%.3f,%.3f", r.step(), num(r.preLoss()), num(r.postLoss()),
        num(r.gradNorm()), r.clipped(), r.tasks(), r.examples(), ms, r.tasksPerSecond()));
  }

  @Override
  public void onEval(EvalReport e) throws IOException {
    write(jsonl, String.format(Locale.ROOT, "{\"step\":%d,\"kind\":\"eval\",\"tasks\":%d,\"val_pre_loss\":%s,"
        + "\"val_post_loss\":%s,\"eval_ms\":%.3f}", e.step(), e.tasks(), num(e.preLoss()), num(e.postLoss()), e.nanos() / 1e6));
    write(evalCsv, String.format(Locale.ROOT, "%d,%d,%s,%s,%.3f", e.step(), e.tasks(), num(e.preLoss()), num(e.postLoss()),
        e.nanos() / 1e6));
  }

  private static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }

  @Override
  public void onEnd(StepReport last) throws IOException {
    close();
  }

  void close() throws IOException {
    for (OutputStream o : new OutputStream[] {jsonl, csv, evalCsv}) {
      if (o != null) {
        o.close();
      }
    }
    jsonl = csv = evalCsv = null;
  }
}
