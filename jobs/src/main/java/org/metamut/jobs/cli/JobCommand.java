package org.metamut.jobs.cli;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.spark.JobContext;
import org.metamut.jobs.spark.Logging;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** A sub-command that runs a job: loads and validates the configuration, sets up logging, runs. */
abstract class JobCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions options = new ConfigOptions();

  /** The job's name as used for the Spark application name and output messages. */
  abstract String jobName();

  /** Runs the job; returns the exit code. */
  abstract int run(JobContext ctx) throws Exception;

  @Override
  public final Integer call() throws Exception {
    Logging.configure(options.verbose());
    MetamutConfig cfg = options.load();
    try (JobContext ctx = new JobContext(jobName(), cfg, System.out)) {
      return run(ctx);
    }
  }
}
