package org.metamut.jobs.train;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.output.AtomicFile;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.model.ModelFactory;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Model selection on meta-val for one run: evaluates φ with {@link MetaValidation} (the learner's own recipe) every
 * {@code eval.every-steps}, keeps φ of the best step ({@link ModelSelection}; also on disk, {@code selection/
 * best-NNNNNNNN.bin}, so a resumed run keeps it), says when patience has run out, and at the end chooses the
 * recipe at the selected θ ({@link #chooseRecipe}: the configured (steps, rate) grid, or a closed-form head's
 * learned vs per-task support-LOO penalties).
 *
 * <p>Why the best step, chosen by Spearman: the last step is whatever the outer loop happened to end on (meta-val
 * loss is noisy and overfits late), and users read the ranking of their query variants, not the MSE.
 */
final class MetaValSelector {
  private final TrainSettings s;
  private final ModelFactory factory;
  private final MetaLearner learner;
  private final RunFiles files;
  private final Path dir;
  private final int[] episodes;
  private final int tasks;
  private final ModelSelection selection;
  private double[] bestPhi;

  MetaValSelector(TrainSettings s, ModelFactory factory, MetaLearner learner, EpisodeStore store, RunFiles files,
                  Path out, Consumer<String> say) {
    this.s = s;
    this.factory = factory;
    this.learner = learner;
    this.files = files;
    this.dir = new Path(out, "selection");
    this.episodes = s.evalEverySteps() > 0 ? MetaValidation.episodes(store, s.evalMaxTasks(), s.evalEpisodesPerTask())
        : new int[0];
    this.tasks = (int) java.util.Arrays.stream(episodes).mapToObj(i -> store.episode(i).taskId()).distinct().count();
    this.selection = new ModelSelection(s.evalPatience());
    if (s.evalEverySteps() > 0) {
      long all = MetaValidation.valTasks(store);
      say.accept(episodes.length == 0 ? "no meta-val episodes: evaluation and model selection are skipped"
          : String.format(Locale.ROOT, "meta-val: %d of %d meta-val tasks, %d episodes, every %d steps; model = best "
              + "step by mean query Spearman%s", tasks, all, episodes.length, s.evalEverySteps(),
              s.evalPatience() > 0 ? ", early stopping after " + s.evalPatience() + " evaluations without improvement" : ""));
      if (episodes.length > 0 && tasks < 8) {
        say.accept("warning: only " + tasks + " meta-val tasks to choose on (raise metamut.episodes.split.val-fraction)");
      }
    }
  }

  boolean enabled() {
    return episodes.length > 0;
  }

  /** A fresh run: forget another run's best θ. */
  void clear() throws IOException {
    files.delete(dir);
  }

  /** A resumed run: the curve up to {@code keepUpTo} from {@code eval.csv}, and the best φ of that curve. */
  void restore(Path evalCsv, long keepUpTo, int dim) throws IOException {
    if (!enabled() || !files.exists(evalCsv)) {
      return;
    }
    try (InputStream in = files.open(evalCsv)) {
      for (Map<String, Object> row : RowLog.read(in, RowLog.Format.CSV)) {
        long step = Long.parseLong(String.valueOf(row.get("step")));
        Object rho = row.get("val_spearman");
        if (step <= keepUpTo && rho != null && !String.valueOf(rho).isEmpty()) {
          selection.offer(step, Double.parseDouble(String.valueOf(rho)));
        }
      }
    }
    if (selection.best() != null) {
      Path p = bestFile(selection.best().step());
      if (!files.exists(p)) {
        throw new IOException("--resume: the meta-val curve's best step " + selection.best().step() + " has no saved θ ("
            + p + " is missing)");
      }
      bestPhi = new double[dim];
      try (DataInputStream in = new DataInputStream(files.open(p))) {
        for (int i = 0; i < dim; i++) {
          bestPhi[i] = in.readDouble();
        }
      }
    }
  }

  /** Evaluates φ of {@code step}; keeps it when it is the best so far. */
  TrainListener.EvalReport evaluate(JavaSparkContext jsc, String runId, Broadcast<EpisodeStore> store, long step,
                                    double[] phi) throws IOException {
    long t0 = System.nanoTime();
    MetaValidation.Score sc = MetaValidation.run(jsc, runId, factory, store, List.of(adapter(phi, learner.recipe(phi, factory.numParams()))),
        episodes, s.gpuEnabled()).get(0);
    boolean best = selection.offer(step, sc.spearman());
    if (best) {
      bestPhi = phi.clone();
      AtomicFile.write(files.fs(), bestFile(step), o -> {
        DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(o));
        for (double v : bestPhi) {
          d.writeDouble(v);
        }
        d.flush();
      });
    }
    return new TrainListener.EvalReport(step, sc.tasks(), sc.episodes(), sc.preMse(), sc.postMse(), sc.spearman(), best,
        System.nanoTime() - t0);
  }

  boolean shouldStop() {
    return selection.shouldStop();
  }

  /** φ of the best step, or null (no evaluation yet, or none with a defined metric). */
  double[] bestPhi() {
    return bestPhi == null ? null : bestPhi.clone();
  }

  ModelSelection.Point best() {
    return selection.best();
  }

  /**
   * The recipe for the model with φ {@code phi}: the learner's own and every alternative scored on meta-val; the best
   * mean Spearman wins (the learner's own on ties). Alternatives: every (steps, rate) of the configured grid for an
   * SGD recipe; per-task support-LOO penalties for a closed-form head. The learner's own when there is none.
   */
  AdaptationRecipe chooseRecipe(JavaSparkContext jsc, String runId, Broadcast<EpisodeStore> store, double[] phi,
                                long step) {
    AdaptationRecipe own = learner.recipe(phi, factory.numParams());
    boolean closedForm = own.solver() == AdaptationRecipe.Solver.CLOSED_FORM;
    List<Integer> steps = s.gridSteps().isEmpty() ? List.of(own.steps()) : s.gridSteps();
    List<Double> rates = s.gridRates().isEmpty() || own.learnedRates() ? List.of(-1.0) : s.gridRates();
    List<AdaptationRecipe> candidates = new ArrayList<>(List.of(own));
    if (closedForm) {
      candidates.add(own.withPenalties(AdaptationRecipe.PenaltyChoice.SUPPORT_LOO, ""));
    } else {
      for (int k : steps) {
        for (double a : rates) {
          AdaptationRecipe c = own.chosen(k, a, "");
          if (!candidates.contains(c)) {
            candidates.add(c);
          }
        }
      }
    }
    if (candidates.size() == 1) {
      return own;
    }
    List<Adapter> adapters = candidates.stream().map(r -> adapter(phi, r)).toList();
    List<MetaValidation.Score> scores = MetaValidation.run(jsc, runId, factory, store, adapters, episodes, s.gpuEnabled());
    int best = 0;
    for (int i = 1; i < scores.size(); i++) {
      if (scores.get(i).spearman() > scores.get(best).spearman()) {
        best = i;
      }
    }
    AdaptationRecipe b = candidates.get(best);
    if (closedForm) {
      String how = String.format(Locale.ROOT, "chosen on meta-val at step %d: %s penalties, mean query Spearman %.4f "
              + "over %d tasks; learned penalties: %.4f, support-LOO penalties: %.4f", step,
          b.penalties() == AdaptationRecipe.PenaltyChoice.LEARNED ? "learned" : "support-LOO",
          scores.get(best).spearman(), scores.get(best).tasks(), scores.get(0).spearman(), scores.get(1).spearman());
      return own.withPenalties(b.penalties(), how);
    }
    String how = String.format(Locale.ROOT, "chosen on meta-val at step %d from %d candidates (%s steps x %s): mean "
            + "query Spearman %.4f over %d tasks; the learner's own (%d step%s, %s): %.4f", step, candidates.size(),
        steps, own.learnedRates() ? "learned rates" : rates, scores.get(best).spearman(), scores.get(best).tasks(),
        own.steps(), own.steps() == 1 ? "" : "s", own.learnedRates() ? "learned rates" : "lr " + own.learningRate(),
        scores.get(0).spearman());
    return own.chosen(b.steps(), b.learnedRates() ? -1 : b.learningRate(), how);
  }

  private Adapter adapter(double[] phi, AdaptationRecipe recipe) {
    int n = factory.numParams();
    double[] rates = recipe.learnedRates() ? learner.learnedRates(phi, n) : null;
    return new Adapter(learner.modelParams(phi, n), rates, recipe, factory.headRange());
  }

  private Path bestFile(long step) {
    return new Path(dir, String.format(Locale.ROOT, "best-%08d.bin", step));
  }

  /** After the model is written: only the selected step's θ stays on disk. */
  void pruneSaved() throws IOException {
    Path keep = selection.best() == null ? null : bestFile(selection.best().step());
    for (FileStatus f : files.list(dir)) {
      if (!f.getPath().getName().equals(keep == null ? "" : keep.getName())) {
        files.delete(f.getPath());
      }
    }
  }
}
