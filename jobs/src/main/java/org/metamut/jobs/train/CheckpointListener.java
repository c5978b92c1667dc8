package org.metamut.jobs.train;

import java.io.IOException;
import java.util.function.LongFunction;

/**
 * Writes a checkpoint every {@code everySteps} outer steps and after the last one. Failures propagate and fail
 * the job: a run that cannot checkpoint must not carry on as if it could be resumed.
 */
final class CheckpointListener implements TrainListener {
  private final Checkpoints checkpoints;
  private final int everySteps;
  private final LongFunction<String> manifest;
  private long lastWritten = -1;

  CheckpointListener(Checkpoints checkpoints, int everySteps, LongFunction<String> manifest) {
    this.checkpoints = checkpoints;
    this.everySteps = everySteps;
    this.manifest = manifest;
  }

  @Override
  public void onStart(StartInfo info) throws IOException {
    checkpoints.cleanTemporaries();
  }

  @Override
  public void onStepEnd(StepReport r) throws IOException {
    if (everySteps > 0 && r.step() % everySteps == 0) {
      write(r);
    }
  }

  @Override
  public void onEnd(StepReport last) throws IOException {
    if (last != null && last.step() != lastWritten) {
      write(last);
    }
  }

  private void write(StepReport r) throws IOException {
    TrainState s = r.state();
    try {
      checkpoints.write(r.step(), s.phi(), s.optimizerName(), s.optimizerState(), manifest.apply(r.step()));
    } catch (IOException e) {
      throw new IOException("checkpoint of outer step " + r.step() + " failed: " + e.getMessage(), e);
    }
    lastWritten = r.step();
  }
}
