package org.metamut.jobs.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Keeps job output readable: Spark, Hadoop, Parquet and ND4J log at WARN unless {@code --verbose};
 * metamut's own loggers log at INFO. Works under any spark-submit (it sets levels, not appenders).
 */
public final class Logging {
  private Logging() {
  }

  public static void configure(boolean verbose) {
    Configurator.setRootLevel(verbose ? Level.INFO : Level.WARN);
    Configurator.setLevel("org.metamut", Level.INFO);
    if (!verbose) {
      // Known harmless start-up warnings (native Hadoop, incubator module, duplicate TF op mapping).
      Configurator.setLevel("org.apache.hadoop.util.NativeCodeLoader", Level.ERROR);
      Configurator.setLevel("org.nd4j.imports.converters.ImportClassMapping", Level.ERROR);
      Configurator.setLevel("org.apache.spark.util.Utils", Level.ERROR);
    }
  }
}
