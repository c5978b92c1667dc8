package org.metamut.jobs.train;

import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.FlatModel;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Models kept by an executor between outer steps, so each task does not rebuild its model (and ND4J its
 * scratch buffers and workspaces). This is the one piece of static mutable state in code that runs in Spark
 * tasks, and why it is correct:
 * <ul>
 *   <li>Entries are keyed by (run id, thread, device). {@link FlatModel}s are not thread-safe, and in local mode all
 *       "executors" are threads of one JVM, so a model is only ever used by the thread that created it: no two
 *       tasks share one, whichever mode Spark runs in.</li>
 *   <li>A model is a pure function of (θ, batch): it keeps scratch space, never parameters or results, so reusing it
 *       cannot change a result. Each task still receives θ through the step's broadcast.</li>
 *   <li>The run id is unique per job run, so two runs in one JVM (tests, the demo) never see each other's models.</li>
 *   <li>Eviction: when a thread asks for a model of another run or device, its old models are closed; models of
 *       threads that have died (Spark's task thread pool retires idle threads) are closed on the next access. A
 *       model is only closed by its own thread or after its thread has died, so never while in use.</li>
 * </ul>
 */
final class ExecutorCache {
  private ExecutorCache() {
  }

  private record Key(String runId, long threadId, String device) {
  }

  private record Entry(WeakReference<Thread> thread, FlatModel model) {
  }

  private static final Map<Key, Entry> MODELS = new ConcurrentHashMap<>();

  static FlatModel model(String runId, String device, ModelFactory factory) {
    Thread me = Thread.currentThread();
    Key key = new Key(runId, me.getId(), device);
    Entry e = MODELS.get(key);
    if (e != null) {
      return e.model();
    }
    evict(me);
    FlatModel m = factory.create();
    MODELS.put(key, new Entry(new WeakReference<>(me), m));
    return m;
  }

  private static void evict(Thread me) {
    for (Map.Entry<Key, Entry> en : MODELS.entrySet()) {
      Thread t = en.getValue().thread().get();
      boolean mine = en.getKey().threadId() == me.getId() && t == me;
      if (mine || t == null || !t.isAlive()) {
        if (MODELS.remove(en.getKey(), en.getValue())) {
          en.getValue().model().close();
        }
      }
    }
  }

  /** Number of cached models (tests). */
  static int size() {
    return MODELS.size();
  }
}
