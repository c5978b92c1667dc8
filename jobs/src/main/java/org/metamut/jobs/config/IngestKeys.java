package org.metamut.jobs.config;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.boolKey;
import static org.metamut.jobs.config.ConfigKey.doubleKey;
import static org.metamut.jobs.config.ConfigKey.entryMapKey;
import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.intKey;
import static org.metamut.jobs.config.ConfigKey.longKey;
import static org.metamut.jobs.config.ConfigKey.stringKey;
import static org.metamut.jobs.config.ConfigKey.stringListKey;

/**
 * Keys of the ingestion job ({@code metamut.ingest}: the dataset catalogue and how rows are read) and of
 * episode building ({@code metamut.episodes}). See {@code src/docs/ingest.md}.
 */
public final class IngestKeys {
  private IngestKeys() {
  }

  // ------------------------------------------------------------ one catalogue entry (paths relative to it)

  public static final ConfigKey<Boolean> DS_ENABLED = boolKey("enabled",
      "false skips this source (and removes its rows from the outputs)").optional();
  public static final ConfigKey<String> DS_PATH = stringKey("path",
      "data file, or glob (e.g. hsu-dms/processed_data/*/data.csv, {a,b} alternatives), relative to metamut.run.data-dir "
          + "unless absolute; each matching file is one task per protein", false);
  public static final ConfigKey<String> DS_FORMAT = enumKey("format",
      "row adapter: substitutions (a mutation label column), mutant-sequence (a full mutant sequence diffed against "
          + "the wild type, checked against an optional label column), position-columns (position + residue columns)",
      "substitutions", "mutant-sequence", "position-columns");
  public static final ConfigKey<String> DS_FAMILY = stringKey("family",
      "property family of every task of this source (fitness, stability, solubility, abundance, or a new one)", false);
  public static final ConfigKey<String> DS_DELIMITER = enumKey("delimiter",
      "column delimiter of the file", "comma", "tab").optional();
  public static final ConfigKey<String> DS_PROTEIN = stringKey("protein",
      "protein name of a one-protein file; {stem} = file name without extension, {parent} = its folder name", false)
      .optional();
  public static final ConfigKey<String> DS_PROTEIN_COLUMN = stringKey("protein-column",
      "column naming the protein of each row (multi-protein sources: one task per protein)", false).optional();
  public static final ConfigKey<String> DS_WT_FASTA = stringKey("wt-fasta",
      "FASTA file with the wild type ({dir} = the data file's folder, {stem}, {parent} as for protein)", false)
      .optional();
  public static final ConfigKey<Boolean> DS_OFFSET_FROM_FASTA = boolKey("offset-from-fasta-header",
      "true: the FASTA header '>NAME/start-end' gives the numbering offset (start - 1)").optional();
  public static final ConfigKey<String> DS_WT_METL_YAML = stringKey("wt-metl-yaml",
      "METL datasets.yml holding wt_aa per ds_name; the protein name selects the entry", false).optional();
  public static final ConfigKey<String> DS_WT_COLUMN = stringKey("wt-column",
      "column holding each row's wild-type sequence", false).optional();
  public static final ConfigKey<String> DS_WT_TABLE = stringKey("wt-table",
      "CSV table of wild types, joined on the protein column (see wt-table-key-column, wt-table-sequence-column)",
      false).optional();
  public static final ConfigKey<String> DS_WT_TABLE_KEY = stringKey("wt-table-key-column",
      "column of wt-table matching protein-column", false).optional();
  public static final ConfigKey<String> DS_WT_TABLE_SEQ = stringKey("wt-table-sequence-column",
      "column of wt-table holding the sequence", false).optional();
  public static final ConfigKey<Integer> DS_INDEX_BASE = intKey("index-base",
      "0 or 1: base of the source's positions", 0, 1).optional();
  public static final ConfigKey<Integer> DS_OFFSET = intKey("position-offset",
      "numbering offset subtracted from source positions (after the index base), e.g. 23 for a sequence starting "
          + "at UniProt residue 24", -1_000_000, 1_000_000).optional();
  public static final ConfigKey<String> DS_MUTATION_COLUMN = stringKey("mutation-column",
      "column with the mutation label (substitutions: required; mutant-sequence: optional, checked against the "
          + "sequence when present in the file)", false).optional();
  public static final ConfigKey<String> DS_SEPARATORS = stringKey("mutation-separators",
      "characters separating the substitutions of a multi-mutant label (default \",:;\")", false).optional();
  public static final ConfigKey<List<String>> DS_WT_LABELS = stringListKey("wild-type-labels",
      "labels meaning the wild type itself (case-insensitive; default [WT])", true).optional();
  public static final ConfigKey<String> DS_SEQUENCE_COLUMN = stringKey("sequence-column",
      "column with the full mutant sequence (mutant-sequence)", false).optional();
  public static final ConfigKey<String> DS_POSITION_COLUMN = stringKey("position-column",
      "column with the position (position-columns)", false).optional();
  public static final ConfigKey<String> DS_WT_RESIDUE_COLUMN = stringKey("wt-residue-column",
      "column with the wild-type residue (position-columns)", false).optional();
  public static final ConfigKey<String> DS_MT_RESIDUE_COLUMN = stringKey("mt-residue-column",
      "column with the mutant residue (position-columns)", false).optional();
  public static final ConfigKey<String> DS_VALUE_COLUMN = stringKey("value-column",
      "column with the measured value", false);
  public static final ConfigKey<String> DS_UNIT = stringKey("unit",
      "unit of the raw value (free text, stored with every variant)", false);
  public static final ConfigKey<Boolean> DS_HIGHER_IS_BETTER = boolKey("higher-is-better",
      "direction: true if a higher raw value is better (the normalised value flips the sign otherwise)");
  public static final ConfigKey<List<String>> DS_CLASS_LABELS = stringListKey("class-labels",
      "for class-valued sources: the allowed labels, worst to best; the value is the label's index minus the "
          + "index of the middle label", false).optional();
  public static final ConfigKey<String> DS_REFERENCE = stringKey("reference",
      "citation or URL of the source (stored with every variant)", false).optional();

  public static final ConfigKey<List<String>> DATASETS = entryMapKey("metamut.ingest.datasets",
      "the dataset catalogue: one named entry per source (see src/docs/ingest.md)",
      List.of(DS_ENABLED, DS_PATH, DS_FORMAT, DS_FAMILY, DS_DELIMITER, DS_PROTEIN, DS_PROTEIN_COLUMN, DS_WT_FASTA,
          DS_OFFSET_FROM_FASTA, DS_WT_METL_YAML, DS_WT_COLUMN, DS_WT_TABLE, DS_WT_TABLE_KEY, DS_WT_TABLE_SEQ,
          DS_INDEX_BASE, DS_OFFSET, DS_MUTATION_COLUMN, DS_SEPARATORS, DS_WT_LABELS, DS_SEQUENCE_COLUMN,
          DS_POSITION_COLUMN, DS_WT_RESIDUE_COLUMN, DS_MT_RESIDUE_COLUMN, DS_VALUE_COLUMN, DS_UNIT,
          DS_HIGHER_IS_BETTER, DS_CLASS_LABELS, DS_REFERENCE));

  // ------------------------------------------------------------ ingestion

  public static final ConfigKey<List<String>> ONLY = stringListKey("metamut.ingest.only",
      "ingest only these catalogue entries (empty = every enabled entry)", true);

  public static final ConfigKey<String> WILD_TYPE_ROWS = enumKey("metamut.ingest.wild-type-rows",
      "what to do with rows that are the wild type (a WT label, or only synonymous substitutions): keep them as "
          + "variants with no mutations, or quarantine them with reason WILD_TYPE", "keep", "quarantine");

  public static final ConfigKey<Integer> MAX_LINE_BYTES = intKey("metamut.ingest.max-line-bytes",
      "a longer line is quarantined as LINE_TOO_LONG (only its first raw-line-chars are kept) (>= 1024)",
      1024, Integer.MAX_VALUE);

  public static final ConfigKey<Integer> RAW_LINE_CHARS = intKey("metamut.ingest.quarantine-raw-line-chars",
      "how many characters of a quarantined line are stored (>= 80)", 80, Integer.MAX_VALUE);

  public static final ConfigKey<Boolean> STRICT_RESIDUE_CASE = boolKey("metamut.ingest.strict-residue-case",
      "false: lower-case residue letters in mutations, mutant sequences and residue columns are read as upper case; "
          + "true: such rows go to quarantine with reason LOWER_CASE_RESIDUE");

  public static final ConfigKey<Integer> MIN_TASK_VARIANTS = intKey("metamut.ingest.min-task-variants",
      "a protein of a multi-protein source with fewer variants is pooled into '<source>/pooled' (>= 2)",
      2, Integer.MAX_VALUE);

  public static final ConfigKey<Long> LOCK_WAIT_MS = longKey("metamut.ingest.lock-wait-ms",
      "how long to wait for another ingest run's lock before failing, in milliseconds (0 = fail at once)",
      0, Long.MAX_VALUE);

  public static final ConfigKey<Long> LOCK_LEASE_MS = longKey("metamut.ingest.lock-lease-ms",
      "how long the ingest lock outlives a run that stops renewing it (killed, pod deleted), in milliseconds; "
          + "renewed every third of it (>= 3000)", 3000, Long.MAX_VALUE);

  public static final ConfigKey<Boolean> FORCE = boolKey("metamut.ingest.force",
      "true re-ingests every source even when its inputs are unchanged");

  // ------------------------------------------------------------ episodes

  public static final ConfigKey<Integer> SUPPORT_SIZE = intKey("metamut.episodes.support-size",
      "variants in the support set of an episode (k-shot) (>= 1)", 1, 1_000_000);
  public static final ConfigKey<Integer> QUERY_SIZE = intKey("metamut.episodes.query-size",
      "variants in the query set of an episode (>= 1)", 1, 1_000_000);
  public static final ConfigKey<Integer> EPISODES_PER_TASK = intKey("metamut.episodes.per-task",
      "episodes sampled per task (>= 1)", 1, 100_000);
  public static final ConfigKey<String> SPLIT_PROTOCOL = enumKey("metamut.episodes.split.protocol",
      "how tasks are split into meta-train / meta-val / meta-test",
      "random-task", "leave-one-family-out", "leave-one-protein-out");
  public static final ConfigKey<List<String>> TEST_FAMILIES = stringListKey("metamut.episodes.split.test-families",
      "leave-one-family-out: the families whose tasks are meta-test", false);
  public static final ConfigKey<Double> TEST_FRACTION = doubleKey("metamut.episodes.split.test-fraction",
      "random-task / leave-one-protein-out: fraction of tasks / protein groups held out as meta-test, in [0, 0.9]",
      0.0, 0.9);
  public static final ConfigKey<Double> VAL_FRACTION = doubleKey("metamut.episodes.split.val-fraction",
      "fraction of the remaining tasks (protein groups for leave-one-protein-out) used as meta-val, in [0, 0.9]",
      0.0, 0.9);

  static List<ConfigKey<?>> all() {
    return List.of(DATASETS, ONLY, WILD_TYPE_ROWS, STRICT_RESIDUE_CASE, MAX_LINE_BYTES, RAW_LINE_CHARS, MIN_TASK_VARIANTS, LOCK_WAIT_MS,
        LOCK_LEASE_MS, FORCE, SUPPORT_SIZE, QUERY_SIZE, EPISODES_PER_TASK, SPLIT_PROTOCOL, TEST_FAMILIES, TEST_FRACTION,
        VAL_FRACTION);
  }
}
