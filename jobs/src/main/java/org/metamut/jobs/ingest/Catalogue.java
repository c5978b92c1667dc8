package org.metamut.jobs.ingest;

import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.MetamutConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dataset catalogue read from {@code metamut.ingest.datasets}, with the checks that span several
 * fields of an entry (one wild-type source; the columns each adapter needs). Every problem is reported
 * together, naming the entry and the field.
 */
final class Catalogue {
  /**
   * Catalogue ids name the {@code source=<id>} partitions: no character Spark escapes in partition paths, no
   * leading '_' or '.' (Hadoop's hidden files; {@code source=_none} is the empty-table placeholder).
   */
  static final java.util.regex.Pattern SAFE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private Catalogue() {
  }

  /** Ids of every enabled entry, whether or not {@code metamut.ingest.only} selects it. */
  static java.util.Set<String> enabledIds(MetamutConfig cfg) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (String id : cfg.get(IngestKeys.DATASETS)) {
      if (!Boolean.FALSE.equals(cfg.entry(IngestKeys.DATASETS, id, IngestKeys.DS_ENABLED))) {
        out.add(id);
      }
    }
    return out;
  }

  /** The enabled entries (restricted to {@code metamut.ingest.only} when set), by id, in id order. */
  static Map<String, SourceSpec> load(MetamutConfig cfg) {
    List<String> only = cfg.get(IngestKeys.ONLY);
    List<String> names = cfg.get(IngestKeys.DATASETS);
    List<String> problems = new ArrayList<>();
    for (String o : only) {
      if (!names.contains(o)) {
        problems.add(IngestKeys.ONLY.path() + " names '" + o + "', which is not in the catalogue (entries: "
            + String.join(", ", names) + ")");
      }
    }
    for (String id : names) {
      if (!SAFE_ID.matcher(id).matches()) {
        problems.add(IngestKeys.DATASETS.path() + ": entry id '" + id + "' is not a safe partition name (it becomes "
            + "source=<id> in variants/ and quarantine/, and Spark escapes other characters, so a commit could miss or "
            + "remove the wrong folder); use letters, digits, '.', '_' and '-', starting with a letter or digit, "
            + "at most 64");
      }
    }
    Map<String, SourceSpec> out = new LinkedHashMap<>();
    for (String id : names) {
      Boolean enabled = cfg.entry(IngestKeys.DATASETS, id, IngestKeys.DS_ENABLED);
      if (Boolean.FALSE.equals(enabled) || (!only.isEmpty() && !only.contains(id))) {
        continue;
      }
      try {
        out.put(id, spec(cfg, id));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new MetamutConfig.InvalidConfigException(problems);
    }
    return out;
  }

  private static SourceSpec spec(MetamutConfig cfg, String id) {
    String at = IngestKeys.DATASETS.path() + "." + id;
    var f = new Object() {
      <T> T get(org.metamut.jobs.config.ConfigKey<T> k) {
        return cfg.entry(IngestKeys.DATASETS, id, k);
      }
    };
    SourceSpec.Format format = SourceSpec.Format.of(f.get(IngestKeys.DS_FORMAT));
    String delim = f.get(IngestKeys.DS_DELIMITER);
    String wtFasta = f.get(IngestKeys.DS_WT_FASTA);
    String wtYaml = f.get(IngestKeys.DS_WT_METL_YAML);
    String wtColumn = f.get(IngestKeys.DS_WT_COLUMN);
    String wtTable = f.get(IngestKeys.DS_WT_TABLE);
    int wtSources = (wtFasta != null ? 1 : 0) + (wtYaml != null ? 1 : 0) + (wtColumn != null ? 1 : 0)
        + (wtTable != null ? 1 : 0);
    List<String> errs = new ArrayList<>();
    if (wtSources != 1) {
      errs.add("needs exactly one wild-type source (wt-fasta, wt-metl-yaml, wt-column or wt-table), has " + wtSources);
    }
    String protein = f.get(IngestKeys.DS_PROTEIN);
    String proteinColumn = f.get(IngestKeys.DS_PROTEIN_COLUMN);
    if ((protein == null) == (proteinColumn == null)) {
      errs.add("needs exactly one of protein (one protein per file) or protein-column (several per file)");
    }
    if (wtTable != null && (f.get(IngestKeys.DS_WT_TABLE_KEY) == null || f.get(IngestKeys.DS_WT_TABLE_SEQ) == null
        || proteinColumn == null)) {
      errs.add("wt-table needs wt-table-key-column, wt-table-sequence-column and protein-column");
    }
    if (wtColumn != null && proteinColumn == null) {
      errs.add("wt-column needs protein-column (the wild type may differ per row)");
    }
    if ((wtFasta != null || wtYaml != null) && protein == null) {
      errs.add("wt-fasta and wt-metl-yaml give one wild type per file: use protein, not protein-column");
    }
    Boolean fromHeader = f.get(IngestKeys.DS_OFFSET_FROM_FASTA);
    Integer offset = f.get(IngestKeys.DS_OFFSET);
    if (Boolean.TRUE.equals(fromHeader) && (wtFasta == null || offset != null)) {
      errs.add("offset-from-fasta-header needs wt-fasta and no position-offset");
    }
    String mutationColumn = f.get(IngestKeys.DS_MUTATION_COLUMN);
    switch (format) {
      case SUBSTITUTIONS -> {
        if (mutationColumn == null) {
          errs.add("format substitutions needs mutation-column");
        }
      }
      case MUTANT_SEQUENCE -> {
        if (f.get(IngestKeys.DS_SEQUENCE_COLUMN) == null) {
          errs.add("format mutant-sequence needs sequence-column");
        }
      }
      case POSITION_COLUMNS -> {
        if (f.get(IngestKeys.DS_POSITION_COLUMN) == null || f.get(IngestKeys.DS_WT_RESIDUE_COLUMN) == null
            || f.get(IngestKeys.DS_MT_RESIDUE_COLUMN) == null) {
          errs.add("format position-columns needs position-column, wt-residue-column and mt-residue-column");
        }
      }
    }
    List<String> classLabels = f.get(IngestKeys.DS_CLASS_LABELS);
    if (classLabels != null && classLabels.size() < 2) {
      errs.add("class-labels needs at least two labels");
    }
    if (!errs.isEmpty()) {
      throw new IllegalArgumentException(at + ": " + String.join("; ", errs));
    }
    List<String> wtLabels = f.get(IngestKeys.DS_WT_LABELS);
    String seps = f.get(IngestKeys.DS_SEPARATORS);
    Integer base = f.get(IngestKeys.DS_INDEX_BASE);
    return new SourceSpec(id, f.get(IngestKeys.DS_PATH), format, f.get(IngestKeys.DS_FAMILY),
        "tab".equals(delim) ? '\t' : ',', protein, proteinColumn, wtFasta, Boolean.TRUE.equals(fromHeader), wtYaml,
        wtColumn, wtTable, f.get(IngestKeys.DS_WT_TABLE_KEY), f.get(IngestKeys.DS_WT_TABLE_SEQ),
        base == null ? 1 : base, offset == null ? 0 : offset, mutationColumn, seps == null ? ",:;" : seps,
        wtLabels == null ? List.of("WT") : wtLabels, f.get(IngestKeys.DS_SEQUENCE_COLUMN),
        f.get(IngestKeys.DS_POSITION_COLUMN), f.get(IngestKeys.DS_WT_RESIDUE_COLUMN),
        f.get(IngestKeys.DS_MT_RESIDUE_COLUMN), f.get(IngestKeys.DS_VALUE_COLUMN), f.get(IngestKeys.DS_UNIT),
        f.get(IngestKeys.DS_HIGHER_IS_BETTER), classLabels, f.get(IngestKeys.DS_REFERENCE));
  }
}
