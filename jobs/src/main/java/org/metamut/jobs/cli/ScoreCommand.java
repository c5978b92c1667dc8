package org.metamut.jobs.cli;

import org.metamut.jobs.config.EsmKeys;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.score.ScoreRequest;
import org.metamut.jobs.score.ScoreRun;
import org.metamut.jobs.spark.JobContext;
import org.metamut.lib.mutation.Notation;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;

/** {@code metamut score}: adapt a model to a protein from a few labelled variants and score a library. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Adapt a model to a protein from a few labelled variants and score a variant library "
        + "(or, with --esm-zero-shot, score it with an ESM-2 checkpoint's zero-shot score).",
        "Writes scores/ and rejected/ (Parquet), top.csv and summary.json under the output folder, replacing it atomically.",
        "Tuning: metamut.score.* (batch-size, top-n, partitions); adaptation follows the model file's recipe, overridden by metamut.adapt.* (see src/docs/adaptation.md)."})
final class ScoreCommand extends JobCommand {

  @Option(names = "--protein", paramLabel = "ID",
      description = "Protein id in the ingested proteins table (or the record name in --fasta).")
  String protein;

  @Option(names = "--fasta", paramLabel = "FILE", description = "FASTA file with the wild type (first record unless --protein).")
  String fasta;

  @Option(names = "--model", paramLabel = "FILE", description = "Model file: meta-trained (adapt with --labelled) or already "
      + "adapted; or FILE,FILE,... for a deep ensemble (mean score, mixture SD).")
  String model;

  @Option(names = "--fresh-model", description = "Start from a freshly initialised reference model (demos and benchmarks only).")
  boolean freshModel;

  @Option(names = "--esm-zero-shot",
      description = "Score with an ESM-2 checkpoint's masked-marginal zero-shot score (sum over the mutations of "
          + "log p(mt) - log p(wt), each site masked): no model file, no labels, no SD.")
  boolean esmZeroShot;

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "With --esm-zero-shot: the ESM-2 checkpoint folder (config.json, vocab.txt, model.safetensors; "
          + "default: metamut.esm.checkpoint). Every executor must read it at this path.")
  String checkpoint;

  @Option(names = "--labelled", paramLabel = "FILE", description = "Labelled variants (CSV/TSV/Parquet) to adapt the model on.")
  String labelled;

  @Option(names = "--label-column", paramLabel = "NAME", description = "Label column of --labelled (default: label, value, score, y, fitness, ...).")
  String labelColumn;

  @Option(names = "--labelled-variant-column", paramLabel = "NAME", description = "Variant column of --labelled (default: variant, mutations, mutant, ...).")
  String labelledVariantColumn;

  @Option(names = "--save-adapted", paramLabel = "FILE", description = "Save the adapted model here, to score again later without adapting.")
  String saveAdapted;

  @ArgGroup(exclusive = true, multiplicity = "1", heading = "Library (one of):%n")
  LibraryChoice library;

  static final class LibraryChoice {
    @Option(names = "--singles", required = true, description = "Every single substitution (L x 19).")
    boolean singles;

    @Option(names = "--combinatorial", required = true, paramLabel = "SITES",
        description = "Every combination at the sites, e.g. '39:*,40:AVG,41:*' (* = all 20; the wild type is always an option).")
    String sites;

    @Option(names = "--random", required = true, paramLabel = "K:N", description = "N random K-site mutants, e.g. 3:1000000 (seed: --library-seed).")
    String random;

    @Option(names = "--library-file", required = true, paramLabel = "FILE",
        description = "Variants (CSV/TSV/Parquet) in any notation the ingestion accepts, or full mutant sequences.")
    String file;
  }

  @Option(names = "--library-seed", paramLabel = "SEED", description = "Seed of --random (default: metamut.run.seed).")
  Long librarySeed;

  @Option(names = "--variant-column", paramLabel = "NAME", description = "Variant column of --library-file (default: variant, mutations, mutant, ...).")
  String variantColumn;

  @Option(names = "--index-base", paramLabel = "0|1", defaultValue = "1", description = "Position base of variants in files (default: ${DEFAULT-VALUE}).")
  int indexBase;

  @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Numbering offset of variants in files (subtracted; default: ${DEFAULT-VALUE}).")
  int offset;

  @Option(names = "--suggest", paramLabel = "N", defaultValue = "0",
      description = "Also write suggestions.csv: the next N variants to measure, by upper confidence bound mean + beta*SD "
          + "(beta: metamut.score.suggest.beta, default 1), never a labelled one. Needs --labelled and a cf-head model.")
  int suggest;

  @Option(names = "--per-site", paramLabel = "M", defaultValue = "1",
      description = "With --suggest: at most M suggestions sharing a site (default: ${DEFAULT-VALUE}).")
  int perSite;

  @Option(names = "--output", paramLabel = "DIR", description = "Output folder (default: <metamut.run.output-dir>/score/<protein>).")
  String output;

  @Override
  String jobName() {
    return "score";
  }

  @Override
  int run(JobContext ctx) throws Exception {
    if (protein == null && fasta == null) {
      throw new JobFailedException("give --protein ID (proteins table) or --fasta FILE");
    }
    if (esmZeroShot) {
      if (model != null || freshModel) {
        throw new JobFailedException("give one of --model FILE, --fresh-model and --esm-zero-shot");
      }
    } else if (checkpoint != null) {
      throw new JobFailedException("--checkpoint goes with --esm-zero-shot");
    } else if ((model == null) == !freshModel) {
      throw new JobFailedException("give exactly one of --model FILE, --fresh-model and --esm-zero-shot");
    }
    ScoreRequest.Library lib;
    try {
      lib = library(ctx.config().get(RunKeys.SEED));
    } catch (IllegalArgumentException e) {
      throw new JobFailedException(e.getMessage());
    }
    String out = output != null ? output
        : ctx.config().get(RunKeys.OUTPUT_DIR) + "/score/" + (protein != null ? protein : "fasta");
    if (suggest < 0 || perSite < 1) {
      throw new JobFailedException("--suggest must be >= 0 and --per-site >= 1, got " + suggest + " and " + perSite);
    }
    ScoreRequest req = new ScoreRequest(protein, fasta, model, freshModel, labelled, labelledVariantColumn, labelColumn,
        saveAdapted, lib, Notation.oneBased().withIndexBase(indexBase).withOffset(offset), out, suggest, perSite);
    String esmDir = checkpoint != null ? checkpoint : ctx.config().get(EsmKeys.CHECKPOINT);
    if (esmZeroShot && esmDir.isBlank()) { // before Spark starts
      throw new JobFailedException(ScoreRun.NO_CHECKPOINT);
    }
    try {
      ScoreRun run = new ScoreRun(ctx.spark(), ctx.config(), ctx::say);
      if (esmZeroShot) {
        run.runEsmZeroShot(req, esmDir);
      } else {
        run.run(req);
      }
    } catch (IllegalArgumentException | UncheckedIOException | IllegalStateException e) {
      throw new JobFailedException(e.getMessage(), e);
    } catch (Exception e) {
      if (e instanceof org.apache.spark.sql.AnalysisException) { // e.g. a library file that does not exist
        throw new JobFailedException(e.getMessage(), e);
      }
      throw e;
    }
    return 0;
  }

  private ScoreRequest.Library library(long runSeed) {
    if (library.singles) {
      return ScoreRequest.Library.singles();
    }
    if (library.sites != null) {
      return ScoreRequest.Library.combinatorial(library.sites);
    }
    if (library.random != null) {
      String[] kn = library.random.split(":");
      if (kn.length != 2) {
        throw new IllegalArgumentException("--random wants K:N, e.g. 3:1000000, got '" + library.random + "'");
      }
      long seed = librarySeed != null ? librarySeed : runSeed;
      try {
        return ScoreRequest.Library.random(Integer.parseInt(kn[0].strip()), Long.parseLong(kn[1].strip().replace("_", "")), seed);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--random wants integers K:N, got '" + library.random + "'");
      }
    }
    return ScoreRequest.Library.file(library.file, variantColumn);
  }
}
