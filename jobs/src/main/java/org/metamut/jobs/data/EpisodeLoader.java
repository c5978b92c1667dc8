package org.metamut.jobs.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * Reads the episodes and proteins Parquet tables (the ingest job's contract), and encodes every variant with
 * the configured encoder into an {@link EpisodeStore}. Runs on the driver: episodes are small (thousands of
 * rows), proteins few. Rows are ordered by (task, episode, role, variant id) before encoding.
 */
public final class EpisodeLoader {
  private EpisodeLoader() {
  }

  public static EpisodeStore load(SparkSession spark, String episodesDir, String proteinsDir, EncoderSpec encoderSpec) {
    return load(spark, episodesDir, proteinsDir, encoderSpec, line -> { });
  }

  /** As {@link #load(SparkSession, String, String, EncoderSpec)}; says how many variants the window crops. */
  public static EpisodeStore load(SparkSession spark, String episodesDir, String proteinsDir, EncoderSpec encoderSpec,
                                  java.util.function.Consumer<String> say) {
    Map<String, String> sequences = Proteins.sequences(spark, proteinsDir);
    Dataset<Row> eps;
    try {
      eps = spark.read().parquet(episodesDir);
    } catch (Exception e) { // AnalysisException (a missing folder; checked in Java terms): one line, what writes it
      throw new IllegalArgumentException("cannot read the episodes table at " + episodesDir + " (run 'metamut ingest' "
          + "first, or set metamut.train.episodes-dir): " + e.getMessage(), e);
    }
    eps = eps.select("task_id", "split", "protein_id", "episode", "role", "variant_id", "mutations", "y")
        .orderBy(col("task_id"), col("episode"), col("role"), col("variant_id"));
    Encoder encoder = Encoder.of(encoderSpec);
    int seqLen = encoderSpec.maxTokens();
    Map<String, Builder> byKey = new LinkedHashMap<>();
    long variants = 0;
    long cropped = 0;
    java.util.Set<String> croppedProteins = new java.util.TreeSet<>();
    for (Row r : eps.collectAsList()) {
      String task = r.getString(0);
      String split = r.getString(1);
      String protein = r.getString(2);
      int episode = r.getInt(3);
      String role = r.getString(4);
      String variant = r.getString(5);
      String where = "episodes " + episodesDir + ": task " + task + " episode " + episode + " variant " + variant;
      String seq = sequences.get(protein);
      if (seq == null) {
        throw new IllegalArgumentException(where + ": protein '" + protein + "' is not in " + proteinsDir);
      }
      List<Mutation> muts = new ArrayList<>();
      List<Row> mrows = r.getList(6);
      for (Row m : mrows) {
        String wt = m.getString(1);
        String mt = m.getString(2);
        if (wt == null || mt == null || wt.length() != 1 || mt.length() != 1) {
          throw new IllegalArgumentException(where + ": mutation residues must be one letter, got " + wt + "/" + mt);
        }
        muts.add(new Mutation(m.getInt(0), wt.charAt(0), mt.charAt(0)));
      }
      variants++;
      if (encoder.crops(seq.length(), muts.size())) {
        cropped++;
        croppedProteins.add(protein);
      }
      EncodedVariant ev;
      try {
        ev = encoder.encode(seq, muts);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      Builder b = byKey.computeIfAbsent(task + "#" + episode, k -> new Builder(task, episode, split));
      if (!b.split.equals(split)) {
        throw new IllegalArgumentException(where + ": split '" + split + "' differs from the episode's '" + b.split + "'");
      }
      double y = r.getDouble(7);
      if (!Double.isFinite(y)) {
        throw new IllegalArgumentException(where + ": target y is " + y);
      }
      switch (role) {
        case "support" -> { b.support.add(ev); b.supportY.add(y); }
        case "query" -> { b.query.add(ev); b.queryY.add(y); }
        default -> throw new IllegalArgumentException(where + ": role must be support or query, got '" + role + "'");
      }
    }
    List<EpisodeStore.Episode> out = new ArrayList<>();
    for (Builder b : byKey.values()) {
      if (b.support.isEmpty() || b.query.isEmpty()) {
        throw new IllegalArgumentException("episodes " + episodesDir + ": task " + b.task + " episode " + b.episode
            + " has " + b.support.size() + " support and " + b.query.size() + " query rows; both must be non-empty");
      }
      TokenBatch s = EncodedVariant.toBatch(b.support, b.supportY.stream().mapToDouble(Double::doubleValue).toArray(), seqLen);
      TokenBatch q = EncodedVariant.toBatch(b.query, b.queryY.stream().mapToDouble(Double::doubleValue).toArray(), seqLen);
      out.add(new EpisodeStore.Episode(b.task, b.episode, b.split, seqLen, s.ids(), s.flags(), s.targets(),
          q.ids(), q.flags(), q.targets(), sites(b.support), sites(b.query)));
    }
    if (cropped > 0) { // by design (the crop window keeps every site), but the user should know how much is cut
      say.accept(String.format(java.util.Locale.ROOT, "crop window: %d of %d episode variants (%d of %d proteins) are "
          + "longer than the %d-token window and are cropped around their sites (metamut.model.max-tokens)", cropped,
          variants, croppedProteins.size(), sequences.size(), seqLen));
    }
    return new EpisodeStore(out);
  }

  private static long[][] sites(List<EncodedVariant> vs) {
    return vs.stream().map(EncodedVariant::sites).toArray(long[][]::new);
  }

  private static final class Builder {
    final String task;
    final int episode;
    final String split;
    final List<EncodedVariant> support = new ArrayList<>();
    final List<Double> supportY = new ArrayList<>();
    final List<EncodedVariant> query = new ArrayList<>();
    final List<Double> queryY = new ArrayList<>();

    Builder(String task, int episode, String split) {
      this.task = task;
      this.episode = episode;
      this.split = split;
    }
  }
}
