package org.metamut.lib.model;

import com.fasterxml.jackson.databind.JsonNode;

/** Test fixture: a batch of maml-reference.json (nested id lists and targets) as a {@link TokenBatch}. */
public final class ReferenceBatches {
  private ReferenceBatches() {
  }

  public static TokenBatch of(JsonNode ids, JsonNode y) {
    int b = ids.size();
    int t = ids.get(0).size();
    int[] flat = new int[b * t];
    double[] targets = new double[b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        flat[i * t + j] = ids.get(i).get(j).asInt();
      }
      targets[i] = y.get(i).asDouble();
    }
    return TokenBatch.of(b, t, flat, targets);
  }
}
