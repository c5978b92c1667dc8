package org.metamut.jobs.train;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds the running task to the GPU Spark assigned it ({@code spark.task.resource.gpu.amount = 1}): reads the
 * address from {@link TaskContext#resourcesJMap()} and, on the CUDA backend ({@code mvn -Pcuda}), makes it the
 * current device of this thread for ND4J. On the CPU backend the address is only recorded (this is how the
 * scheduling path is tested with fake GPUs from a discovery script).
 */
final class GpuBinding {
  private GpuBinding() {
  }

  static final String CPU = "cpu";

  /**
   * @param required whether a GPU must have been assigned ({@code metamut.train.gpu.enabled})
   * @return {@code gpu:<address>} or {@code cpu}
   */
  static String bind(boolean required) {
    TaskContext tc = TaskContext.get();
    ResourceInformation gpu = tc == null ? null : tc.resourcesJMap().get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      if (required) {
        throw new IllegalStateException("metamut.train.gpu.enabled = true but Spark assigned this task no GPU: set "
            + "spark.executor.resource.gpu.amount, spark.task.resource.gpu.amount = 1 and a discovery script "
            + "(conf/profiles/gpu.conf, deploy/gpu/discover-gpus.sh)");
      }
      return CPU;
    }
    String address = gpu.addresses()[0];
    if (isCudaBackend()) {
      int device;
      try {
        device = Integer.parseInt(address.trim());
      } catch (NumberFormatException e) {
        throw new IllegalStateException("GPU address '" + address + "' from Spark is not a CUDA device ordinal", e);
      }
      Nd4j.getAffinityManager().unsafeSetDevice(device);
    }
    return "gpu:" + address;
  }

  static boolean isCudaBackend() {
    return Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT).contains("cuda");
  }
}
