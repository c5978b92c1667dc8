package org.metamut.lib.esm;

import java.nio.file.Path;

/**
 * A checkpoint file or directory that is missing, corrupt, truncated, hostile or not an ESM-2 checkpoint this build
 * can run. The message is one line naming the file and what is wrong with it.
 */
public final class InvalidCheckpointException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidCheckpointException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public InvalidCheckpointException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
