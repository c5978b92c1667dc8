package org.metamut.jobs.score;

import org.metamut.lib.mutation.Notation;

/**
 * The per-run inputs of {@code metamut score} (the command-line options); tuning comes from
 * {@code metamut.score.*}.
 *
 * @param proteinId        protein id in the {@code proteins} table, or the FASTA record name (null = first)
 * @param fasta            FASTA file with the wild type instead of the table (null = use the table)
 * @param model            model file (meta-trained or adapted); null with {@code freshModel}
 * @param freshModel       start from a freshly initialised reference model (demos, benchmarks)
 * @param labelled         labelled variants to adapt on (null = score with the model as it is)
 * @param labelledVariantColumn variant column of the labelled file (null = found by name)
 * @param labelColumn      label column of the labelled file (null = found by name)
 * @param saveAdapted      where to save the adapted model (null = don't)
 * @param library          what to score
 * @param notation         how variants are written in files (positions, offset)
 * @param output           output folder (replaced atomically)
 * @param suggest          how many variants to suggest measuring next ({@code suggestions.csv}; 0 = none)
 * @param perSite          most suggestions sharing a site (>= 1)
 */
public record ScoreRequest(String proteinId, String fasta, String model, boolean freshModel, String labelled,
                           String labelledVariantColumn, String labelColumn, String saveAdapted, Library library,
                           Notation notation, String output, int suggest, int perSite) {

  /** A request without suggestions. */
  public ScoreRequest(String proteinId, String fasta, String model, boolean freshModel, String labelled,
                      String labelledVariantColumn, String labelColumn, String saveAdapted, Library library,
                      Notation notation, String output) {
    this(proteinId, fasta, model, freshModel, labelled, labelledVariantColumn, labelColumn, saveAdapted, library, notation,
        output, 0, 1);
  }

  public ScoreRequest {
    if (suggest < 0 || perSite < 1) {
      throw new IllegalArgumentException("--suggest must be >= 0 and --per-site >= 1, got " + suggest + " and " + perSite);
    }
  }

  /** A library: generated ({@code singles}, {@code combinatorial}, {@code random}) or a {@code file}. */
  public record Library(String kind, String sites, int k, long n, long seed, String file, String variantColumn) {
    public static Library singles() {
      return new Library("singles", null, 0, 0, 0, null, null);
    }

    public static Library combinatorial(String sites) {
      return new Library("combinatorial", sites, 0, 0, 0, null, null);
    }

    public static Library random(int k, long n, long seed) {
      return new Library("random", null, k, n, seed, null, null);
    }

    public static Library file(String file, String variantColumn) {
      return new Library("file", null, 0, 0, 0, file, variantColumn);
    }
  }
}
