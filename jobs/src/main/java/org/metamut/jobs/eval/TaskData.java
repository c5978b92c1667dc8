package org.metamut.jobs.eval;

import org.metamut.lib.mutation.Mutation;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The variant pool of one evaluated task, as plain serialisable data.
 *
 * <p>A task may mix proteins (a {@code <source>/pooled} task of FireProt or PON-Sol2), so every variant names its
 * own protein: it is encoded, featurised and checked against that protein's wild type, never a task-wide one.
 *
 * @param group      the task's resampling unit for the bootstrap: tasks sharing a protein group (directly or through
 *                   a multi-protein task) share it, so several assays of one protein count as one draw
 * @param classes    a class task (e.g. PON-Sol2's −1/0/1): targets are the integer class codes and runs report accuracy
 * @param sequences  protein id → wild-type sequence, for every protein of the task's variants
 * @param proteinIds per variant, its protein id (a key of {@code sequences})
 * @param mutations  per variant, its substitutions as {@code A23G:D40K} ("" = the wild type); {@code Mutation} is not
 *                   serialisable, so this crosses to executors as text
 * @param targets    per variant: the class code for class tasks, else the ingest job's per-task z-score {@code y}
 *                   (an affine rescaling fixed before evaluation; every method standardises with support statistics
 *                   only, so it carries no query information into a prediction)
 */
public record TaskData(String task, String family, String group, boolean classes, Map<String, String> sequences,
                       List<String> proteinIds, List<String> variantIds, List<String> mutations, double[] targets)
    implements Serializable {
  private static final long serialVersionUID = 2L;

  public TaskData {
    if (variantIds.size() != mutations.size() || mutations.size() != targets.length
        || proteinIds.size() != targets.length) {
      throw new IllegalArgumentException("task " + task + ": " + variantIds.size() + " ids, " + proteinIds.size()
          + " protein ids, " + mutations.size() + " mutation lists, " + targets.length + " targets");
    }
    for (String p : proteinIds) {
      if (!sequences.containsKey(p)) {
        throw new IllegalArgumentException("task " + task + ": protein " + p + " of a variant has no sequence");
      }
    }
    sequences = new TreeMap<>(sequences); // serialisable and ordered
    proteinIds = List.copyOf(proteinIds);
    variantIds = List.copyOf(variantIds);
    mutations = List.copyOf(mutations);
  }

  /** A single-protein task (its own bootstrap group): every variant is of {@code wildType}. */
  public static TaskData ofProtein(String task, String family, String proteinId, boolean classes, String wildType,
                                   List<String> variantIds, List<String> mutations, double[] targets) {
    return new TaskData(task, family, task, classes, Map.of(proteinId, wildType),
        java.util.Collections.nCopies(variantIds.size(), proteinId), variantIds, mutations, targets);
  }

  /** The wild-type sequence of variant {@code i}'s protein. */
  public String wildType(int i) {
    return sequences.get(proteinIds.get(i));
  }

  /** The substitutions of variant {@code i}. */
  public List<Mutation> mutations(int i) {
    String m = mutations.get(i);
    if (m.isEmpty()) {
      return List.of();
    }
    return java.util.Arrays.stream(m.split(":")).map(Mutation::parse).toList();
  }

  /** The text form of {@code mutations}. */
  public static String label(List<Mutation> muts) {
    return String.join(":", muts.stream().map(Mutation::toString).toList());
  }

  @Override
  public String toString() {
    return "TaskData[" + task + ", " + family + ", " + targets.length + " variants of " + sequences.size() + " protein"
        + (sequences.size() == 1 ? "" : "s") + (classes ? ", classes" : "") + "]";
  }

  public int size() {
    return targets.length;
  }
}
