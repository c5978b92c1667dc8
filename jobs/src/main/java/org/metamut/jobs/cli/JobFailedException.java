package org.metamut.jobs.cli;

/** A job stopped for a reason the user can act on; the message is printed without a stack trace. */
public class JobFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobFailedException(String message) {
    super(message);
  }

  public JobFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
