package org.metamut.jobs.train;

import org.metamut.lib.model.ModelFactory;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.data.VariantPool;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.meta.NonFiniteException;
import org.metamut.lib.meta.TaskResult;
import org.metamut.lib.model.FlatModel;

import java.io.Serializable;

/**
 * The executor side of one outer step (or evaluation): for a (slot, episode index) pair, binds the GPU, takes
 * this thread's cached model, reads the episode from the broadcast store (with fresh episodes: draws the
 * (seed, step, slot, task) sample from the broadcast variant pool, the index being a task index) and φ from the
 * step's broadcast, and
 * computes the task's meta-gradient (or evaluation losses). A non-finite value becomes a failed
 * {@link TaskResult} naming task and inner step (not a Spark failure: retrying would only repeat it).
 * Captures only serialisable descriptions and broadcast handles.
 */
final class TaskComputer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String runId;
  private final long step;
  private final boolean evaluate;
  private final ModelFactory factory;
  private final MetaLearner learner;
  private final Broadcast<EpisodeStore> store;
  private final Broadcast<VariantPool> pool;
  private final long seed;
  private final Broadcast<double[]> phi;
  private final boolean gpuRequired;
  private final FaultInjection fault;

  TaskComputer(String runId, long step, boolean evaluate, ModelFactory factory, MetaLearner learner,
               Broadcast<EpisodeStore> store, Broadcast<VariantPool> pool, long seed, Broadcast<double[]> phi,
               boolean gpuRequired, FaultInjection fault) {
    this.pool = pool;
    this.seed = seed;
    this.runId = runId;
    this.step = step;
    this.evaluate = evaluate;
    this.factory = factory;
    this.learner = learner;
    this.store = store;
    this.phi = phi;
    this.gpuRequired = gpuRequired;
    this.fault = fault;
  }

  TaskResult compute(int slot, int episodeIndex) {
    String device = GpuBinding.bind(gpuRequired);
    boolean hit = fault != null && !evaluate && fault.hits(step, slot);
    if (hit && fault.kind() == FaultInjection.Kind.TASK_FAILURE) {
      TaskContext tc = TaskContext.get();
      if (tc != null && tc.attemptNumber() == 0) {
        throw new IllegalStateException("injected failure: step " + step + " slot " + slot + " (first attempt)");
      }
    }
    FlatModel model = ExecutorCache.model(runId, device, factory);
    MetaTask task = pool != null ? pool.value().draw(seed, step, slot, episodeIndex) : store.value().task(episodeIndex, slot);
    try {
      double[] p = phi.value();
      if (hit && fault.kind() == FaultInjection.Kind.NON_FINITE) {
        p = p.clone();
        p[0] = Double.NaN;
      }
      TaskResult r = evaluate ? learner.evaluate(model, p, task) : learner.metaGradient(model, p, task);
      return r.onDevice(device);
    } catch (NonFiniteException e) {
      return TaskResult.failed(slot, task.taskId(), device, e.getMessage());
    }
  }
}
