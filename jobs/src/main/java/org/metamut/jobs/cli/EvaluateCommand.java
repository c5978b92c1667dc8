package org.metamut.jobs.cli;

import org.metamut.jobs.spark.JobContext;
import picocli.CommandLine.Command;

/** {@code metamut evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate few-shot adaptation on held-out tasks against fine-tuning and baselines; writes a report.")
final class EvaluateCommand extends JobCommand {

  @Override
  String jobName() {
    return "evaluate";
  }

  @Override
  int run(JobContext ctx) {
    throw new JobFailedException("the evaluate job is not available in this build yet (issue #7)");
  }
}
