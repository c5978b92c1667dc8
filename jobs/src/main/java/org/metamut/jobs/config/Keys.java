package org.metamut.jobs.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Every configuration key metamut knows, gathered from the per-area holders. A key that is not here is an
 * error when it appears under {@code metamut}; a key here without a default in {@code reference.conf}
 * fails {@code KeysTest}.
 *
 * <p>To add a key: declare it as a constant in its area's holder (with its doc and validator), list it in
 * that holder's {@code all()}, and give it a default in {@code jobs/src/main/resources/reference.conf}.
 */
public final class Keys {
  private Keys() {
  }

  public static List<ConfigKey<?>> all() {
    List<ConfigKey<?>> all = new ArrayList<>();
    all.addAll(RunKeys.all());
    all.addAll(SparkKeys.all());
    all.addAll(IngestKeys.all());
    all.addAll(ScoreKeys.all());
    all.addAll(ModelKeys.all());
    all.addAll(TrainKeys.all());
    all.addAll(EvalKeys.all());
    all.addAll(AdaptKeys.all());
    all.addAll(EsmKeys.all());
    all.addAll(ActiveLearningKeys.all());
    return List.copyOf(all);
  }
}
