package org.metamut.jobs.testing;

import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.spark.Logging;

/**
 * One Spark local-mode session for the whole test JVM (start-up costs seconds; tests share it).
 * Spark stops it in its own shutdown hook when the JVM ends.
 */
public final class LocalSpark {
  private LocalSpark() {
  }

  private static SparkSession session;

  public static synchronized SparkSession get() {
    if (session == null || session.sparkContext().isStopped()) {
      Logging.configure(false);
      session = SparkSession.builder()
          .master("local[2,4]") // up to 4 attempts per task: retry tests (meta-train) need them
          .appName("metamut-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.ui.showConsoleProgress", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.sql.session.timeZone", "UTC")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
    }
    return session;
  }
}
