package org.metamut.jobs.cli;

import org.metamut.jobs.config.EsmKeys;
import org.metamut.lib.esm.EsmBenchmark;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.EsmConfig;
import org.metamut.lib.esm.InvalidCheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code metamut model import-esm DIR}: validates a HuggingFace ESM-2 checkpoint folder (files, config, vocabulary,
 * every tensor's name, shape and bounds), fingerprints it (SHA-256), prints its size and parameters, loads it and
 * measures the time per variant of a zero-shot score on this machine, and prints the config line that uses it. The
 * folder is used in place (nothing is copied).
 */
@Command(name = "import-esm", mixinStandardHelpOptions = true,
    description = "Validate and fingerprint an ESM-2 checkpoint folder (config.json, vocab.txt, model.safetensors), "
        + "print its size and its cost per variant on this machine.")
final class ImportEsmCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The checkpoint folder (e.g. a download of "
      + "facebook/esm2_t12_35M_UR50D).")
  Path dir;

  @Option(names = "--length", defaultValue = "300",
      description = "Residues of the synthetic protein timed (default ${DEFAULT-VALUE}; capped at the checkpoint's window).")
  int length;

  @Option(names = "--variants", defaultValue = "3", description = "Variants timed (default ${DEFAULT-VALUE}).")
  int variants;

  @Option(names = "--no-timing", description = "Validate and fingerprint only.")
  boolean noTiming;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (length < 2 || variants < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--length must be >= 2 and --variants >= 1");
    }
    EsmCheckpoint c;
    try {
      c = EsmCheckpoint.open(dir);
    } catch (InvalidCheckpointException e) {
      throw new JobFailedException("not a usable ESM-2 checkpoint: " + e.getMessage());
    }
    EsmConfig cfg = c.config();
    out.printf(Locale.ROOT, "checkpoint: %s%n", dir.toAbsolutePath());
    out.printf(Locale.ROOT, "architecture: ESM-2, %d layers, hidden %d, %d heads, feed-forward %d, %d tokens, window %d "
        + "residues, %s%n", cfg.layers(), cfg.hidden(), cfg.heads(), cfg.intermediate(), cfg.vocab(), cfg.maxResidues(),
        c.hasLmHead() ? "LM head (zero-shot scores available)" : "no LM head (EsmModel: embeddings only)");
    out.printf(Locale.ROOT, "size: %.1f MB on disk, %,d parameters (the LM decoder tied to the embeddings, counted once)%n",
        c.bytes() / 1e6, c.parameters());
    out.printf(Locale.ROOT, "fingerprint: %s%n", c.fingerprint());
    out.flush();
    if (!noTiming) {
      EsmBenchmark b = EsmBenchmark.run(c, length, variants, 17);
      b.print(out);
      out.printf(Locale.ROOT, "memory: about %.0f MB of heap per loaded copy (one per busy Spark task slot)%n",
          c.parameters() * 4 / 1e6);
    }
    out.printf(Locale.ROOT, "use it: %s = \"%s\" with metamut.evaluate.methods including esm-zero-shot or ridge-esm%n",
        EsmKeys.CHECKPOINT.path(), dir.toAbsolutePath());
    out.flush();
    return 0;
  }
}
