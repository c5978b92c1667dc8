package org.metamut.jobs.cli;

import org.metamut.jobs.spark.JobContext;
import picocli.CommandLine.Command;

/** {@code metamut ingest}. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Ingest the dataset catalogue into Parquet variants, proteins, quarantine and task episodes.")
final class IngestCommand extends JobCommand {

  @Override
  String jobName() {
    return "ingest";
  }

  @Override
  int run(JobContext ctx) {
    throw new JobFailedException("the ingest job is not available in this build yet (issue #4)");
  }
}
