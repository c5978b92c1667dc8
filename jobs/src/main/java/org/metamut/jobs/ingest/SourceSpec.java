package org.metamut.jobs.ingest;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One validated catalogue entry ({@code metamut.ingest.datasets.<id>}): where the files are, which adapter
 * reads them, what the value means and where the wild type comes from. Immutable; travels to executors.
 * Exactly one wild-type source is set: {@code wtFasta}, {@code wtMetlYaml}, {@code wtColumn} or
 * {@code wtTable}.
 */
record SourceSpec(
    String id,
    String path,
    Format format,
    String family,
    char delimiter,
    String protein,
    String proteinColumn,
    String wtFasta,
    boolean offsetFromFastaHeader,
    String wtMetlYaml,
    String wtColumn,
    String wtTable,
    String wtTableKeyColumn,
    String wtTableSequenceColumn,
    int indexBase,
    int positionOffset,
    String mutationColumn,
    String separators,
    List<String> wildTypeLabels,
    String sequenceColumn,
    String positionColumn,
    String wtResidueColumn,
    String mtResidueColumn,
    String valueColumn,
    String unit,
    boolean higherIsBetter,
    List<String> classLabels,
    String reference) implements Serializable {

  /** The row adapters; each is one class behind {@link RowAdapter}. */
  enum Format {
    SUBSTITUTIONS("substitutions"), MUTANT_SEQUENCE("mutant-sequence"), POSITION_COLUMNS("position-columns");

    final String configName;

    Format(String configName) {
      this.configName = configName;
    }

    static Format of(String name) {
      for (Format f : values()) {
        if (f.configName.equals(name)) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown format " + name);
    }
  }

  SourceSpec {
    Objects.requireNonNull(id);
    wildTypeLabels = List.copyOf(wildTypeLabels);
    classLabels = classLabels == null ? null : List.copyOf(classLabels);
  }

  /** True if one file holds several proteins (one task per protein). */
  boolean multiProtein() {
    return proteinColumn != null;
  }
}
