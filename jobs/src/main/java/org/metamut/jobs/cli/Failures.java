package org.metamut.jobs.cli;

import org.apache.spark.SparkException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns any exception that ends a job into the one line the user sees (what, where, what to do); the stack trace
 * is for {@code --verbose}. Spark's wrappers are looked through: a task failure's message holds the executor's
 * whole stack trace, the user needs the failed task's own message.
 */
final class Failures {
  /** Spark's abort message: {@code ... most recent failure: Lost task 0.0 in stage 1.0 (TID 1) (host ...): cls: msg}. */
  private static final Pattern LOST_TASK = Pattern.compile("most recent failure: (Lost task [^()]*\\(TID \\d+\\))[^:]*: (.*)");
  /** Exceptions whose messages are written for users (they name the file, key or row): no class name in front. */
  private static final java.util.Set<Class<?>> PLAIN = java.util.Set.of(IllegalArgumentException.class,
      IllegalStateException.class, IOException.class, UncheckedIOException.class, JobFailedException.class);

  private Failures() {
  }

  /** The one line for {@code ex}: its own message, or that of the failure a Spark/executor wrapper carries. */
  static String oneLine(Throwable ex) {
    Throwable t = ex;
    String task = null;
    while (isWrapper(t) && t.getCause() != null) {
      if (t instanceof SparkException && task == null) {
        task = lostTask(t.getMessage());
      }
      t = t.getCause();
    }
    String msg = firstLine(t.getMessage());
    if (isWrapper(t)) { // a Spark abort without a cause: the task's message is in the text
      Matcher m = LOST_TASK.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return "a Spark task failed (" + m.group(1) + "): " + firstLine(m.group(2));
      }
    }
    String what = plain(t) || msg.isEmpty() ? msg : t.getClass().getSimpleName() + ": " + msg;
    if (msg.isEmpty()) {
      what = t.getClass().getName();
    }
    return task != null ? "a Spark task failed (" + task + "): " + what : what;
  }

  private static boolean isWrapper(Throwable t) {
    return t instanceof SparkException || t instanceof InvocationTargetException || t instanceof ExecutionException;
  }

  private static boolean plain(Throwable t) {
    if (t.getClass().getName().startsWith("org.metamut.")) {
      return true; // our own exception types carry a complete sentence
    }
    return PLAIN.contains(t.getClass()) || t instanceof org.apache.spark.sql.AnalysisException;
  }

  private static String lostTask(String sparkMessage) {
    Matcher m = LOST_TASK.matcher(String.valueOf(sparkMessage));
    return m.find() ? m.group(1) : null;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return (nl < 0 ? t : t.substring(0, nl)).strip();
  }
}
