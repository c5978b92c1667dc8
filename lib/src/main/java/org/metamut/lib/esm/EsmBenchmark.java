package org.metamut.lib.esm;

import org.metamut.lib.baseline.Variant;
import org.metamut.lib.mutation.Mutation;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Time per variant of the two ESM-2 readouts on this machine, on a synthetic protein: a zero-shot score of a single
 * substitution at a new site (one masked forward pass; scores of a site already seen come from the cache and cost
 * nothing) and a site embedding of a new variant (one forward pass of the mutant). Single-threaded, like one Spark
 * task. For {@code metamut model import-esm} and {@code metamut bench esm}.
 *
 * @param loadSeconds   reading the weights
 * @param zeroShotMs    mean milliseconds per variant, zero-shot
 * @param embeddingMs   mean milliseconds per variant, embedding
 * @param length        residues of the synthetic protein (capped at the checkpoint's window)
 * @param variants      timed variants per readout
 */
public record EsmBenchmark(double loadSeconds, double zeroShotMs, double embeddingMs, int length, int variants) {

  /** Loads the checkpoint and times {@code variants} (after one untimed warm-up) on a {@code length}-residue protein. */
  public static EsmBenchmark run(EsmCheckpoint checkpoint, int length, int variants, long seed) {
    if (length < 2 || variants < 1) {
      throw new IllegalArgumentException("benchmark needs a protein of >= 2 residues and >= 1 variant, got " + length
          + " and " + variants);
    }
    long t0 = System.nanoTime();
    Esm2Model model = checkpoint.load();
    double load = (System.nanoTime() - t0) / 1e9;
    int len = Math.min(length, model.config().maxResidues());
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      sb.append(Mutation.AMINO_ACIDS.charAt(rnd.nextInt(Mutation.AMINO_ACIDS.length())));
    }
    String wt = sb.toString();
    List<Variant> vs = new ArrayList<>();
    for (int i = 0; i <= variants; i++) {
      int pos = 1 + (i * 7919) % len; // distinct sites while variants < len
      char w = wt.charAt(pos - 1);
      char m = w == 'A' ? 'G' : 'A';
      vs.add(new Variant(wt, List.of(new Mutation(pos, w, m))));
    }
    double zs = model.hasLmHead() ? time(vs, v -> new EsmScorer(model).zeroShot(v)) : Double.NaN;
    EsmScorer shared = new EsmScorer(model);
    double emb = time(vs, v -> shared.siteEmbedding(v)[0]);
    return new EsmBenchmark(load, zs, emb, len, variants);
  }

  /** Mean ms per call over all but the first (warm-up) variant; a fresh scorer per call keeps every site uncached. */
  private static double time(List<Variant> vs, java.util.function.ToDoubleFunction<Variant> f) {
    double sink = f.applyAsDouble(vs.get(0));
    long t0 = System.nanoTime();
    for (int i = 1; i < vs.size(); i++) {
      sink += f.applyAsDouble(vs.get(i));
    }
    double ms = (System.nanoTime() - t0) / 1e6 / (vs.size() - 1);
    return Double.isNaN(sink) ? ms : ms; // keeps the results alive
  }

  /** Prints the figures, one per line. */
  public void print(PrintWriter out) {
    out.printf(Locale.ROOT, "load: %.2f s%n", loadSeconds);
    out.printf(Locale.ROOT, "zero-shot (masked marginal, one new site): %s ms per variant (protein of %d residues, %d "
        + "variants, 1 thread)%n", Double.isNaN(zeroShotMs) ? "n/a (no LM head)" : String.format(Locale.ROOT, "%.2f",
        zeroShotMs), length, variants);
    out.printf(Locale.ROOT, "embedding (final layer at the sites of the mutant): %.2f ms per variant%n", embeddingMs);
    out.flush();
  }
}
