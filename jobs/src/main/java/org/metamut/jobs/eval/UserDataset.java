package org.metamut.jobs.eval;

import com.typesafe.config.ConfigUtil;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.ingest.IngestJob;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;

/**
 * A user's own assay given on the command line ({@code evaluate --dataset FILE --wild-type FASTA}): added to the
 * catalogue as source {@code user-<file stem>} (one task, protein named by the file stem) and ingested incrementally
 * into the evaluation's data folder (only this source is read; proteins, protein groups, splits and episodes are
 * rebuilt), so it gets the ingest job's row checks, quarantine, protein grouping and episodes like any bundled
 * assay. Its task is then held out by name ({@link NamedHoldOut}). A later plain {@code metamut ingest} without
 * this entry drops the source again.
 */
public final class UserDataset {

  /** Source ids of user datasets start with this. */
  public static final String PREFIX = "user-";

  /**
   * Catalogue fields the command line fills in unless given ({@code --dataset-option KEY=VALUE} wins): a CSV of
   * substitutions ({@code A23G}, {@code A23G:D40K}) in column {@code mutant}, the label in {@code score}, 1-based,
   * higher is better, family fitness. A {@code .tsv} file is tab-separated.
   */
  static Map<String, String> defaults(Path file) {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("format", "substitutions");
    d.put("family", "fitness");
    d.put("delimiter", file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tsv") ? "tab" : "comma");
    d.put("index-base", "1");
    d.put("mutation-column", "mutant");
    d.put("value-column", "score");
    d.put("unit", "user assay");
    d.put("higher-is-better", "true");
    return d;
  }

  private UserDataset() {
  }

  /** The source id of a dataset file: {@code user-} and the file stem, lower case, other characters as '-'. */
  static String sourceId(Path file) {
    String name = file.getFileName().toString();
    String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    return PREFIX + stem.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
  }

  private static final Pattern BARE = Pattern.compile("-?\\d+|true|false");

  /** The HOCON of the catalogue entry (package-private for tests). */
  static String entry(Path file, Path fasta, Map<String, String> options) {
    Map<String, String> fields = defaults(file);
    fields.putAll(options);
    fields.put("path", file.toAbsolutePath().normalize().toString());
    fields.put("protein", "{stem}");
    fields.put("wt-fasta", fasta.toAbsolutePath().normalize().toString());
    fields.putIfAbsent("reference", "user dataset " + file.toAbsolutePath().normalize() + " (evaluate --dataset)");
    StringBuilder b = new StringBuilder("metamut.ingest.datasets.").append(ConfigUtil.quoteString(sourceId(file)))
        .append(" {\n");
    fields.forEach((k, v) -> b.append("  ").append(ConfigUtil.quoteString(k)).append(" = ")
        .append(BARE.matcher(v).matches() ? v : ConfigUtil.quoteString(v)).append('\n'));
    return b.append("}\n").toString();
  }

  /**
   * Ingests the dataset into the evaluation's data folder and returns its task id; refuses a missing file, and a
   * dataset that gives no task with episodes (too few usable rows), in one line.
   */
  public static String ingest(SparkSession spark, MetamutConfig cfg, Path file, Path fasta, Map<String, String> options,
                              Consumer<String> say) throws Exception {
    for (Path p : new Path[] {file, fasta}) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException((p == file ? "--dataset " : "--wild-type ") + p + ": no such file");
      }
    }
    String source = sourceId(file);
    StringBuilder over = new StringBuilder(entry(file, fasta, options));
    List<String> only = cfg.get(IngestKeys.ONLY);
    if (!only.isEmpty() && !only.contains(source)) { // a restricted catalogue keeps its sources and gains this one
      List<String> with = new ArrayList<>(only);
      with.add(source);
      over.append("metamut.ingest.only = [").append(String.join(", ", with.stream().map(ConfigUtil::quoteString).toList()))
          .append("]\n");
    }
    String dataDir = cfg.get(EvalKeys.DATA_DIR);
    if (!dataDir.isEmpty()) { // ingest writes under run.output-dir: point it at the evaluation's data folder
      over.append("metamut.run.output-dir = ").append(ConfigUtil.quoteString(dataDir)).append('\n');
    }
    MetamutConfig ingestCfg = cfg.withOverrides(over.toString());
    say.accept("--dataset " + file + ": ingesting it as source " + source + " (wild type " + fasta + ")");
    new IngestJob(spark, ingestCfg, say).run();
    String data = dataDir.isEmpty() ? cfg.get(RunKeys.OUTPUT_DIR) : dataDir;
    List<String> tasks = spark.read().parquet(data + "/episodes").filter(col("task_id").startsWith(source + "/"))
        .select("task_id").distinct().orderBy("task_id").collectAsList().stream().map(r -> r.getString(0)).toList();
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("--dataset " + file + ": no task with episodes came out of it (too few usable "
          + "rows for a support and query set; the ingest lines above say how many rows were quarantined and why)");
    }
    return tasks.get(0);
  }
}
