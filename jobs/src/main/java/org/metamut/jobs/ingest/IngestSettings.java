package org.metamut.jobs.ingest;

import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.MetamutConfig;

import java.io.Serializable;

/** The row-level ingestion settings, read once on the driver; travels to executors. */
record IngestSettings(boolean keepWildTypeRows, int maxLineBytes, int rawLineChars, int minTaskVariants,
                      boolean strictResidueCase) implements Serializable {

  static IngestSettings from(MetamutConfig cfg) {
    return new IngestSettings("keep".equals(cfg.get(IngestKeys.WILD_TYPE_ROWS)), cfg.get(IngestKeys.MAX_LINE_BYTES),
        cfg.get(IngestKeys.RAW_LINE_CHARS), cfg.get(IngestKeys.MIN_TASK_VARIANTS),
        cfg.get(IngestKeys.STRICT_RESIDUE_CASE));
  }
}
