package org.metamut.jobs.cli;

import org.metamut.lib.io.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code metamut model <action>}: operations on models that are not jobs — {@code info FILE} (what a model file holds,
 * without starting Spark), {@code import-esm DIR} (checking a pretrained ESM-2 checkpoint) and {@code prune-esm-cache}
 * (removing the ESM feature cache's folders of other checkpoints).
 */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Model operations: info inspects a model file (meta-train's model/model.mmut, score's --save-adapted "
        + "files); import-esm checks an ESM-2 checkpoint you downloaded; prune-esm-cache removes the ESM feature cache's "
        + "folders of other checkpoints.",
    subcommands = {ModelCommand.Info.class, ImportEsmCommand.class, PruneEsmCacheCommand.class})
final class ModelCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "info", mixinStandardHelpOptions = true,
      description = "Print what a model file holds: architecture, encoder, learner and adaptation recipe, how it was "
          + "selected (meta-val score), the data it was trained on (fingerprint, protein groups) and the build that "
          + "wrote it. Exit code 1, with one line, for a file that is not a usable model.")
  static final class Info implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a model file, or a model folder holding model.mmut")
    Path file;

    @Option(names = "--json", description = "print JSON (the header's spec, encoder, recipe and the whole provenance)")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Path f = Files.isDirectory(file) ? file.resolve("model.mmut") : file;
      ModelInfo info;
      try {
        info = ModelInfo.read(f);
      } catch (IOException e) { // InvalidModelFileException included: its message names the file and the problem
        throw new JobFailedException(e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(json ? info.json() + System.lineSeparator() : info.text());
      out.flush();
      return 0;
    }
  }
}
