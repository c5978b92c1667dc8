package org.metamut.jobs.esm;

import org.metamut.lib.esm.Esm2Model;
import org.metamut.lib.esm.EsmCheckpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded ESM-2 model per checkpoint folder per JVM: an executor loads the weights once and every task of it shares
 * them ({@link Esm2Model} is immutable and thread-safe; the per-thread caches live in each task's
 * {@link org.metamut.lib.esm.EsmScorer}). Keyed by the folder and the size and modification time of its weights file,
 * so a checkpoint replaced in place is loaded again.
 */
public final class SharedModels {
  private static final ConcurrentHashMap<String, Esm2Model> MODELS = new ConcurrentHashMap<>();

  private SharedModels() {
  }

  /** The model of checkpoint folder {@code dir}, loaded on first use in this JVM. */
  public static Esm2Model get(String dir) {
    Path p = Path.of(dir).toAbsolutePath().normalize();
    String key;
    try {
      Path w = p.resolve(EsmCheckpoint.WEIGHTS);
      key = p + "|" + Files.size(w) + "|" + Files.getLastModifiedTime(w).toMillis();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the ESM-2 checkpoint " + p + " on this executor (the folder must be "
          + "readable at the same path on every executor): " + e.getMessage(), e);
    }
    // a replaced checkpoint has a new key: drop the old model of that folder rather than keep both
    MODELS.keySet().removeIf(k -> k.startsWith(p + "|") && !k.equals(key));
    return MODELS.computeIfAbsent(key, k -> Esm2Model.load(p));
  }
}
