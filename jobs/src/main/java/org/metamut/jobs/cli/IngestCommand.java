package org.metamut.jobs.cli;

import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.ingest.IngestReport;
import org.metamut.jobs.spark.JobContext;
import picocli.CommandLine.Command;

/** {@code metamut ingest}. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = {"Ingest the dataset catalogue (metamut.ingest.datasets) into Parquet variants, proteins, quarantine "
        + "and task episodes under metamut.run.output-dir.",
        "Unchanged sources are skipped; a changed or new source is re-ingested alone. See src/docs/ingest.md."})
final class IngestCommand extends JobCommand {

  @Override
  String jobName() {
    return "ingest";
  }

  @Override
  int run(JobContext ctx) throws Exception {
    IngestJob.Result r;
    try {
      r = new IngestJob(ctx.spark(), ctx.config(), ctx::say).run();
    } catch (IllegalStateException | java.io.IOException e) {
      // a concurrent run (lock), a missing input file, an unreadable wild type: one clear line, no stack trace
      throw new JobFailedException(e.getMessage());
    }
    IngestReport.print(r, ctx::say);
    return 0;
  }
}
