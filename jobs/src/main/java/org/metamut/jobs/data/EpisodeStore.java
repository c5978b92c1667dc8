package org.metamut.jobs.data;

import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.model.TokenBatch;

import java.io.Serializable;
import java.util.List;

/**
 * Every encoded episode of a run, as plain arrays: built once on the driver, broadcast once, and kept by each
 * executor (Spark caches a broadcast value per executor JVM) for the whole run; each outer step then only ships
 * episode indices. Episodes are sorted by (task id, episode), so an index means the same episode in every run
 * over the same data. Size: about 4·T bytes per variant plus 16 per mutation for its site keys (≈ 8.7 KB per
 * 16+16-shot episode of single mutants at T = 64).
 */
public final class EpisodeStore implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One encoded episode: its support and query sets padded to the same sequence length, and each variant's
   * {@link org.metamut.lib.encode.SiteKeys} (what a closed-form head's site block reads; null when not known).
   */
  public record Episode(String taskId, int episode, String split, int seqLen, int[] supportIds, byte[] supportFlags,
                        double[] supportY, int[] queryIds, byte[] queryFlags, double[] queryY, long[][] supportSites,
                        long[][] querySites) implements Serializable {
    private static final long serialVersionUID = 2L;

    /** An episode without site keys. */
    public Episode(String taskId, int episode, String split, int seqLen, int[] supportIds, byte[] supportFlags,
                   double[] supportY, int[] queryIds, byte[] queryFlags, double[] queryY) {
      this(taskId, episode, split, seqLen, supportIds, supportFlags, supportY, queryIds, queryFlags, queryY, null, null);
    }

    public String key() {
      return taskId + "#" + episode;
    }
  }

  private final List<Episode> episodes;
  private final int[] train;
  private final int[] val;

  public EpisodeStore(List<Episode> episodes) {
    this.episodes = List.copyOf(episodes);
    this.train = indices("meta-train");
    this.val = indices("meta-val");
  }

  private int[] indices(String split) {
    return java.util.stream.IntStream.range(0, episodes.size()).filter(i -> split.equals(episodes.get(i).split())).toArray();
  }

  public int size() {
    return episodes.size();
  }

  public Episode episode(int index) {
    return episodes.get(index);
  }

  /** Indices of the meta-train episodes. */
  public int[] trainIndices() {
    return train.clone();
  }

  /** Indices of the meta-val episodes. */
  public int[] valIndices() {
    return val.clone();
  }

  /** Episode {@code index} as the task in meta-batch slot {@code slot}. */
  public MetaTask task(int index, int slot) {
    Episode e = episodes.get(index);
    int t = e.seqLen();
    TokenBatch s = new TokenBatch(e.supportY().length, t, e.supportIds(), e.supportFlags(), e.supportY());
    TokenBatch q = new TokenBatch(e.queryY().length, t, e.queryIds(), e.queryFlags(), e.queryY());
    return new MetaTask(slot, e.key(), s, q);
  }

  public long variants() {
    long n = 0;
    for (Episode e : episodes) {
      n += e.supportY().length + e.queryY().length;
    }
    return n;
  }
}
