package org.metamut.jobs.cli;

import picocli.CommandLine.Command;

/**
 * {@code metamut bench <name>}: the benchmarks that print throughput, time per step and memory. Each
 * benchmark is a sub-command listed here.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run a benchmark that prints throughput, time per step and memory.",
    subcommands = {ModelBenchCommand.class, BenchMetaCommand.class, IngestBenchCommand.class, BenchScoreCommand.class,
        EsmBenchCommand.class})
final class BenchCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
