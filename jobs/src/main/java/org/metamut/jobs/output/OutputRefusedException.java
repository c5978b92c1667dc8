package org.metamut.jobs.output;

/**
 * An output location that metamut will not replace (not empty and not this job's output, or of the wrong kind).
 * The message is one line naming the location and what to do; the CLI prints it without a stack trace and
 * exits with 1 ("the job failed"). Nothing was changed on disk when this is thrown.
 */
public class OutputRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OutputRefusedException(String message) {
    super(message);
  }
}
