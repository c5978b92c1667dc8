package org.metamut.jobs.cli;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.spark.JobContext;
import org.metamut.jobs.train.MetaTrainJob;
import org.metamut.jobs.train.TrainSettings;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.lib.meta.NonFiniteException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;

/** {@code metamut meta-train}. */
@Command(name = "meta-train", mixinStandardHelpOptions = true,
    description = "Meta-train the transformer with MAML (or FOMAML, ANIL, Reptile) across Spark executors: "
        + "reads <output-dir>/episodes and proteins, writes <output-dir>/meta-train/{metrics.jsonl,metrics.csv,"
        + "eval.csv,checkpoints/,model/}.")
final class MetaTrainCommand extends JobCommand {

  @Option(names = "--resume", description = "Continue from the latest checkpoint under <output-dir>/meta-train/checkpoints.")
  boolean resume;

  @Option(names = "--overwrite", description = "Start a fresh run even though <output-dir>/meta-train holds another "
      + "run's checkpoints, removing them and its model/ (without it, such a run is refused and nothing is touched).")
  boolean overwrite;

  @Override
  String jobName() {
    return "meta-train";
  }

  @Override
  int run(JobContext ctx) throws Exception {
    if (resume && overwrite) {
      throw new JobFailedException("give at most one of --resume (continue the run) and --overwrite (start clean)");
    }
    MetamutConfig cfg = ctx.config();
    if (cfg.get(org.metamut.jobs.config.EsmKeys.HEAD_FEATURES)) {
      ctx.say("note: metamut.esm.head-features is applied where a model is adapted (evaluate, score --labelled); "
          + "meta-training solves its tasks on the model's features alone, and the model file does not record it");
    }
    TrainSettings settings;
    TransformerFactory factory;
    try {
      settings = TrainSettings.from(cfg);
      factory = ModelKeys.factory(cfg);
    } catch (IllegalArgumentException e) {
      throw new JobFailedException("invalid meta-train settings: " + e.getMessage());
    }
    try {
      MetaTrainJob.Result r = new MetaTrainJob(ctx.spark(), settings, factory, ModelKeys.encoder(cfg), ctx::say)
          .resume(resume)
          .overwrite(overwrite)
          .renderedConfig(cfg.renderMetamut())
          .run();
      ctx.say(String.format(Locale.ROOT, "done: %d outer steps, last meta-batch loss %.4f -> %.4f; devices %s",
          r.lastStep(), r.lastPreLoss(), r.lastPostLoss(), r.devices()));
      return 0;
    } catch (NonFiniteException e) {
      throw new JobFailedException("stopped: " + e.getMessage());
    }
  }
}
