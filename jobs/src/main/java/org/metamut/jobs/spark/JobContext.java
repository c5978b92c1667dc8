package org.metamut.jobs.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.config.SparkKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Map;

/**
 * What a running job has at hand: its validated configuration, a console for user-facing lines and a
 * SparkSession created on first use. Closing it stops the session it created (not one it found).
 */
public final class JobContext implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobContext.class);
  private static final String PLUGINS = "spark.plugins";

  private final String jobName;
  private final MetamutConfig config;
  private final PrintStream out;
  private SparkSession spark;
  private boolean ownsSpark;
  private StageProgressListener progress;

  public JobContext(String jobName, MetamutConfig config, PrintStream out) {
    this.jobName = jobName;
    this.config = config;
    this.out = out;
  }

  /** A context that shares an existing session (tests, the demo running several jobs). */
  public static JobContext withSession(String jobName, MetamutConfig config, PrintStream out, SparkSession spark) {
    JobContext ctx = new JobContext(jobName, config, out);
    ctx.spark = spark;
    ctx.ownsSpark = false;
    return ctx;
  }

  public String jobName() {
    return jobName;
  }

  public MetamutConfig config() {
    return config;
  }

  /** A line for the user (stdout), prefixed with the job name. */
  public void say(String line) {
    out.println("[" + jobName + "] " + line);
    out.flush();
  }

  public PrintStream out() {
    return out;
  }

  public synchronized SparkSession spark() {
    if (spark == null) {
      spark = createSession();
      ownsSpark = true;
    }
    return spark;
  }

  private SparkSession createSession() {
    SparkConf submitted = new SparkConf(true); // picks up what spark-submit passed as system properties
    SparkSession.Builder b = SparkSession.builder()
        .appName(config.get(SparkKeys.APP_NAME_PREFIX) + "-" + jobName);
    String master = config.get(SparkKeys.MASTER);
    if (!master.isEmpty() && !submitted.contains("spark.master")) {
      b.master(master);
    } else if (!submitted.contains("spark.master")) {
      master = "local[*]";
      b.master(master);
    } else {
      if (!master.isEmpty() && !master.equals(submitted.get("spark.master"))) {
        LOG.warn("metamut.spark.master={} ignored: spark-submit set spark.master={}", master, submitted.get("spark.master"));
      }
      master = submitted.get("spark.master");
    }
    for (Map.Entry<String, String> e : sessionSettings(master, config.get(SparkKeys.CONF)).entrySet()) {
      if (!submitted.contains(e.getKey())) {
        b.config(e.getKey(), e.getValue());
      }
    }
    if (submitted.contains(PLUGINS)) { // spark-submit's plugins, with the executors' native set-up added
      b.config(PLUGINS, NativeBackendPlugin.addTo(submitted.get(PLUGINS)));
    }
    SparkSession s = b.getOrCreate();
    progress = new StageProgressListener(this::say, config.get(RunKeys.PROGRESS_INTERVAL_MS));
    s.sparkContext().addSparkListener(progress);
    LOG.info("Spark {} master={} defaultParallelism={}", s.version(), s.sparkContext().master(),
        s.sparkContext().defaultParallelism());
    return s;
  }

  /**
   * The Spark properties a session gets: the configuration's {@code metamut.spark.conf}, over safe defaults. Every
   * master: the UI's kill links are off ({@code spark.ui.killEnabled=false}: a UI anyone on the network reaches must
   * not stop a run). The embedded local mode also runs without a UI ({@code spark.ui.enabled=false}): Spark binds it
   * to every interface (only {@code SPARK_LOCAL_IP} narrows it), and the job prints its own progress. Either can be
   * set back in {@code metamut.spark.conf}. {@code spark.plugins} always holds {@link NativeBackendPlugin} (executors
   * choose their BLAS kernels before their first task), after any plugins configured.
   */
  static Map<String, String> sessionSettings(String master, Map<String, String> conf) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    out.put("spark.ui.killEnabled", "false");
    if (master.startsWith("local")) {
      out.put("spark.ui.enabled", "false");
    }
    out.putAll(conf);
    out.put(PLUGINS, NativeBackendPlugin.addTo(conf.get(PLUGINS)));
    return out;
  }

  @Override
  public void close() {
    if (spark != null && ownsSpark) {
      spark.stop();
    }
  }
}
