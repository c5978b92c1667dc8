package org.metamut.jobs.cli;

import org.metamut.jobs.spark.JobContext;
import picocli.CommandLine.Command;

/** {@code metamut score}. */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Adapt a model to a protein from a few labelled variants and score a variant library.")
final class ScoreCommand extends JobCommand {

  @Override
  String jobName() {
    return "score";
  }

  @Override
  int run(JobContext ctx) {
    throw new JobFailedException("the score job is not available in this build yet (issue #8)");
  }
}
