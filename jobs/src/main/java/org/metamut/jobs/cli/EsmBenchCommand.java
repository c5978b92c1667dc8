package org.metamut.jobs.cli;

import org.metamut.lib.esm.EsmBenchmark;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.InvalidCheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code metamut bench esm --checkpoint DIR}: time per variant of an ESM-2 zero-shot score and site embedding (one
 * thread, no Spark) for a range of protein lengths. The tiny test checkpoint (lib/src/test/resources/esm2-tiny)
 * measures the overhead of the code; a real checkpoint what a run will cost.
 */
@Command(name = "esm", mixinStandardHelpOptions = true,
    description = "ESM-2 time per variant (zero-shot score, site embedding) for a few protein lengths.")
final class EsmBenchCommand implements Callable<Integer> {

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
      description = "ESM-2 checkpoint folder (e.g. lib/src/test/resources/esm2-tiny, or a HuggingFace download).")
  Path checkpoint;

  @Option(names = "--lengths", split = ",", defaultValue = "50,100,300",
      description = "Protein lengths in residues (default ${DEFAULT-VALUE}).")
  int[] lengths;

  @Option(names = "--variants", defaultValue = "20", description = "Timed variants per length (default ${DEFAULT-VALUE}).")
  int variants;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    java.io.PrintWriter out = spec.commandLine().getOut();
    if (variants < 1 || lengths.length == 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--variants must be >= 1 and --lengths non-empty");
    }
    EsmCheckpoint c;
    try {
      c = EsmCheckpoint.open(checkpoint);
    } catch (InvalidCheckpointException e) {
      throw new JobFailedException("not a usable ESM-2 checkpoint: " + e.getMessage());
    }
    out.println("checkpoint " + checkpoint.toAbsolutePath() + ": " + c.config().layers() + " layers, hidden "
        + c.config().hidden() + ", " + c.parameters() + " parameters");
    for (int len : lengths) {
      out.println("-- protein of " + len + " residues");
      EsmBenchmark.run(c, len, variants, 17).print(out);
    }
    return 0;
  }
}
