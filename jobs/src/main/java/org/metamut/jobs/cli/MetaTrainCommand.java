package org.metamut.jobs.cli;

import org.metamut.jobs.spark.JobContext;
import picocli.CommandLine.Command;

/** {@code metamut meta-train}. */
@Command(name = "meta-train", mixinStandardHelpOptions = true,
    description = "Meta-train the transformer with MAML (or FOMAML, ANIL, Reptile) across Spark executors.")
final class MetaTrainCommand extends JobCommand {

  @Override
  String jobName() {
    return "meta-train";
  }

  @Override
  int run(JobContext ctx) {
    throw new JobFailedException("the meta-train job is not available in this build yet (issue #6)");
  }
}
