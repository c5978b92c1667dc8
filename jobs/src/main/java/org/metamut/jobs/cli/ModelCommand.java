package org.metamut.jobs.cli;

import picocli.CommandLine.Command;

/** {@code metamut model <action>}: operations on models that are not jobs (importing a pretrained checkpoint). */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Model operations: import-esm checks an ESM-2 checkpoint you downloaded.",
    subcommands = {ImportEsmCommand.class})
final class ModelCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
