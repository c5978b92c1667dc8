package org.metamut.jobs.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * One Spark job that reduces a list of items to one value: each partition folds its items into a partial on an
 * executor, and the partials are merged, in partition order, on the driver. That is {@code treeAggregate}'s data flow
 * whenever its tree has no intermediate level, which is the case of an outer step (a few partitions, depth 2); when
 * {@code depth} and the partition count do call for intermediate levels, {@code treeReduce} merges on executors.
 *
 * <p>Why not {@code treeAggregate} always: it wraps the functions in Spark's own closures, and Spark's closure cleaner
 * re-reads those closures' class files (with ASM) at every call. Profiled in {@code bench meta} (16 tasks, 2
 * partitions), that was about two thirds of the driver thread's CPU per outer step, on the core the executors' tasks
 * need. Here the job's function is a plain class, which the cleaner passes over (it only checks that it serialises).
 */
public final class PartitionFold {
  private PartitionFold() {
  }

  /** What one partition computes from its items (on an executor). */
  @FunctionalInterface
  public interface Fold<T, A> extends Serializable {
    A apply(Iterator<T> items) throws Exception;
  }

  /** Merges two partials into one (may update and return its first argument). */
  @FunctionalInterface
  public interface Merge<A> extends Serializable {
    A apply(A into, A other);
  }

  /**
   * Folds {@code items} split into {@code partitions} slices (at most one per item) and merges the partials.
   *
   * @param depth the merge tree's depth as {@code treeAggregate} reads it (>= 1)
   */
  public static <T, A> A run(JavaSparkContext jsc, List<T> items, int partitions, int depth, Fold<T, A> fold,
                             Merge<A> merge) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("nothing to fold: the list of items is empty");
    }
    if (depth < 1) {
      throw new IllegalArgumentException("the merge tree's depth must be >= 1, got " + depth);
    }
    int parts = Math.max(1, Math.min(partitions, items.size()));
    JavaRDD<T> rdd = jsc.parallelize(items, parts);
    if (needsTree(parts, depth)) {
      return rdd.mapPartitions(it -> List.of(fold.apply(it)).iterator()).treeReduce(merge::apply, depth);
    }
    @SuppressWarnings("unchecked")
    A[] partials = (A[]) jsc.sc().runJob(rdd.rdd(), new PartitionFunction<>(fold), ClassTag$.MODULE$.apply(Object.class));
    A out = partials[0];
    for (int i = 1; i < partials.length; i++) {
      out = merge.apply(out, partials[i]);
    }
    return out;
  }

  /** Whether {@code treeAggregate} would add levels between the partitions and the driver (its own rule). */
  static boolean needsTree(int partitions, int depth) {
    int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
    return partitions > scale + Math.ceil((double) partitions / scale);
  }

  /** The job's function: a named class, not a closure (see the class comment). */
  private static final class PartitionFunction<T, A> extends AbstractFunction2<TaskContext, scala.collection.Iterator<T>, A>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Fold<T, A> fold;

    PartitionFunction(Fold<T, A> fold) {
      this.fold = fold;
    }

    @Override
    public A apply(TaskContext context, scala.collection.Iterator<T> items) {
      try {
        return fold.apply(scala.jdk.javaapi.CollectionConverters.asJava(items));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  }
}
