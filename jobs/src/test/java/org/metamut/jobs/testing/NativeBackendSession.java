package org.metamut.jobs.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.metamut.lib.backend.BlasCoreType;

/**
 * Runs {@link BlasCoreType#ensure()} when the test JVM's JUnit session opens, before any test class can load ND4J:
 * the tests get the BLAS kernels the command line and the executors get (registered in
 * {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}).
 */
public final class NativeBackendSession implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    BlasCoreType.ensure();
  }
}
