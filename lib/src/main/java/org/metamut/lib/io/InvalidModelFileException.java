package org.metamut.lib.io;

import java.io.IOException;
import java.nio.file.Path;

/** A model file that is corrupt, truncated, not a model file, or incompatible with this build; the message says which. */
public final class InvalidModelFileException extends IOException {
  public InvalidModelFileException(Path file, String problem) {
    super("model file " + file + ": " + problem);
  }

  public InvalidModelFileException(Path file, String problem, Throwable cause) {
    super("model file " + file + ": " + problem, cause);
  }
}
