package org.metamut.jobs.eval;

import org.metamut.lib.mutation.Mutation;

import java.io.Serializable;
import java.util.List;

/**
 * The variant pool of one evaluated task, as plain serialisable data.
 *
 * @param classes  a class task (e.g. PON-Sol2's −1/0/1): targets are the integer class codes and runs report accuracy
 * @param wildType the protein's wild-type sequence
 * @param mutations per variant, its substitutions as {@code A23G:D40K} ("" = the wild type); {@code Mutation} is not
 *                  serialisable, so this crosses to executors as text
 * @param targets  per variant: the class code for class tasks, else the ingest job's per-task z-score {@code y}
 *                 (an affine rescaling fixed before evaluation; every method standardises with support statistics
 *                 only, so it carries no query information into a prediction)
 */
public record TaskData(String task, String family, String proteinId, boolean classes, String wildType,
                       List<String> variantIds, List<String> mutations, double[] targets) implements Serializable {
  private static final long serialVersionUID = 1L;

  public TaskData {
    if (variantIds.size() != mutations.size() || mutations.size() != targets.length) {
      throw new IllegalArgumentException("task " + task + ": " + variantIds.size() + " ids, " + mutations.size()
          + " mutation lists, " + targets.length + " targets");
    }
    variantIds = List.copyOf(variantIds);
    mutations = List.copyOf(mutations);
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
    return "TaskData[" + task + ", " + family + ", " + targets.length + " variants" + (classes ? ", classes" : "") + "]";
  }

  public int size() {
    return targets.length;
  }
}
