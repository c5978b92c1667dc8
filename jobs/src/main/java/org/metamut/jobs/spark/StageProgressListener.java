package org.metamut.jobs.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.metamut.lib.progress.Progress;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Progress lines for long Spark stages: tasks done of total, rate and ETA, at most one line per interval
 * per stage. Short stages (done before the first interval) print nothing.
 */
final class StageProgressListener extends SparkListener {
  private final Consumer<String> sink;
  private final long intervalMs;
  private final Map<Integer, Progress> stages = new ConcurrentHashMap<>();

  StageProgressListener(Consumer<String> sink, long intervalMs) {
    this.sink = sink;
    this.intervalMs = intervalMs;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    var info = event.stageInfo();
    String name = "stage " + info.stageId() + " (" + shortName(info.name()) + ")";
    stages.put(info.stageId(), new Progress(name, info.numTasks(), "tasks", sink, intervalMs, System::nanoTime, true));
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    Progress p = stages.get(event.stageId());
    if (p != null) {
      p.advance(1);
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    Progress p = stages.remove(event.stageInfo().stageId());
    if (p != null) {
      p.finish();
    }
  }

  private static String shortName(String name) {
    int at = name.indexOf(" at ");
    return at > 0 ? name.substring(0, at) : name;
  }
}
