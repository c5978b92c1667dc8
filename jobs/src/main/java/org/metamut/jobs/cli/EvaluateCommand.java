package org.metamut.jobs.cli;

import org.metamut.jobs.eval.ActiveLearningJob;
import org.metamut.jobs.eval.EvaluateJob;
import org.metamut.jobs.eval.HeldOutTasks;
import org.metamut.jobs.eval.UserDataset;
import org.metamut.jobs.spark.JobContext;
import org.metamut.lib.meta.NonFiniteException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code metamut evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate few-shot adaptation on held-out tasks against fine-tuning and baselines; writes a report "
        + "(report.html, charts/, results.csv, summary.csv, improvements.csv, results.json) under "
        + "<output-dir>/evaluate. Reads <output-dir>/{episodes,proteins,variants} (metamut ingest).")
final class EvaluateCommand extends JobCommand {

  @Option(names = "--model", paramLabel = "METHOD=PATH",
      description = "a meta-trained model (meta-train's model/ folder, its model.mmut or params.json) for a meta-learner "
          + "of metamut.evaluate.methods; repeatable; several comma-separated paths make a deep ensemble (mean prediction, "
          + "mixture SD). It is adapted by the recipe its model file records. Meta-learners "
          + "without one are meta-trained by this job (metamut.evaluate.train.outer-steps).")
  Map<String, String> modelPaths = new LinkedHashMap<>();

  @Option(names = "--active-learning",
      description = "Run the active-learning benchmark instead: simulated campaigns on the held-out tasks (cf-head by "
          + "UCB vs random picks vs the ridge baselines picking greedily), metamut.evaluate.active-learning.*; writes "
          + "active-learning.{html,csv} under <output-dir>/active-learning (see src/docs/evaluate.md).")
  boolean activeLearning;

  @Option(names = "--tasks", paramLabel = "ID_OR_GLOB", split = ",",
      description = "evaluate these tasks (ids or globs such as 'pg-singles/SPG1*'; comma-separated or repeated) "
          + "instead of the split's: every task of their protein groups is taken out of meta-training, meta-val "
          + "and the fine-tuning pre-training; refused when a --model was meta-trained on one of those groups")
  java.util.List<String> tasks = new java.util.ArrayList<>();

  @Option(names = "--dataset", paramLabel = "FILE",
      description = "your own assay, held out and evaluated (with any --tasks): ingested into the data folder as "
          + "source user-<file stem> (by default a CSV with columns mutant, e.g. A23G or A23G:D40K, 1-based, and "
          + "score, higher is better, family fitness; --dataset-option changes any catalogue field); needs --wild-type")
  java.nio.file.Path dataset;

  @Option(names = "--wild-type", paramLabel = "FASTA", description = "the wild-type sequence of --dataset")
  java.nio.file.Path wildType;

  @Option(names = "--dataset-option", paramLabel = "KEY=VALUE",
      description = "a catalogue field of --dataset (src/docs/ingest.md), e.g. value-column=fitness, "
          + "higher-is-better=false, family=stability, delimiter=tab, index-base=0; repeatable")
  Map<String, String> datasetOptions = new LinkedHashMap<>();

  @Override
  String jobName() {
    return "evaluate";
  }

  @Override
  int run(JobContext ctx) throws Exception {
    if ((dataset == null) != (wildType == null)) {
      throw new JobFailedException("evaluate: --dataset and --wild-type go together");
    }
    try {
      if (dataset != null) {
        tasks.add(UserDataset.ingest(ctx.spark(), ctx.config(), dataset, wildType, datasetOptions, ctx::say));
      }
      if (activeLearning) {
        if (!tasks.isEmpty()) {
          throw new JobFailedException("evaluate --active-learning runs on the configured split's held-out tasks; "
              + "--tasks and --dataset are not supported with it yet");
        }
        ActiveLearningJob.Result al = new ActiveLearningJob(ctx.spark(), ctx.config(), ctx::say).models(modelPaths).run();
        if (!al.failures().isEmpty()) {
          throw new JobFailedException("evaluate --active-learning: " + al.failures().size() + " campaigns failed (first: "
              + al.failures().get(0) + "); the report at " + al.outputDir() + " leaves them out");
        }
        return 0;
      }
      EvaluateJob.Result r = new EvaluateJob(ctx.spark(), ctx.config(), ctx::say).models(modelPaths).tasks(tasks).run();
      ctx.say(r.records().size() + " runs on " + r.tasks().size() + " tasks; report at "
          + r.written().html().toAbsolutePath());
      if (!r.failures().isEmpty()) {
        // the report is written and lists them; the exit code still says the evaluation is incomplete
        throw new JobFailedException("evaluate: " + r.failures().size() + " of "
            + (r.failures().size() + r.records().size()) + " runs failed (first: " + r.failures().get(0).line()
            + "); the report lists them in " + r.written().failedCsv().toAbsolutePath());
      }
      return 0;
    } catch (HeldOutTasks.LeakException e) {
      throw new JobFailedException(e.getMessage());
    } catch (IllegalArgumentException | NonFiniteException e) {
      throw new JobFailedException("evaluate: " + e.getMessage());
    }
  }
}
