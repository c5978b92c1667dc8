package org.metamut.jobs.ingest;

import java.io.Serializable;
import java.util.Map;

/**
 * One input file of a source, resolved on the driver: its path, and (for one-protein files) the protein
 * name, the wild-type sequence and the numbering offset; or (for a wild-type table) the table itself,
 * protein name to sequence. Small; travels to the executor that reads the file.
 */
record SourceFile(String sourceId, String path, String proteinName, String wildType, int offset,
                  Map<String, String> wtTable) implements Serializable {
  SourceFile {
    wtTable = wtTable == null ? null : Map.copyOf(wtTable);
  }
}
