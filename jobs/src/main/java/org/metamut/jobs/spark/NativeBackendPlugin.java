package org.metamut.jobs.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.metamut.lib.backend.BlasCoreType;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Prepares ND4J's native backend in every executor JVM before its first task: {@link BlasCoreType#ensure()}, which
 * must run before OpenBLAS is loaded (an executor on another host has its own CPU, so the driver cannot decide for it).
 * Every {@link JobContext} session registers it in {@code spark.plugins}, next to any plugins the user configured.
 */
public final class NativeBackendPlugin implements SparkPlugin {

  /** The {@code spark.plugins} value with this plugin added to {@code configured} (null or empty: none). */
  static String addTo(String configured) {
    Set<String> names = new LinkedHashSet<>();
    if (configured != null) {
      for (String name : configured.split(",")) {
        if (!name.isBlank()) {
          names.add(name.trim());
        }
      }
    }
    names.add(NativeBackendPlugin.class.getName());
    return String.join(",", names);
  }

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        BlasCoreType.ensure();
      }
    };
  }
}
