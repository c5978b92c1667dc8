package org.metamut.jobs.eval;

import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.method.MethodKind;

import java.io.Serializable;

/**
 * One compared method as executors need it.
 *
 * @param name         the method's name in the report: a registry name, or {@code <name>/<encoder>} for an encoding
 *                     ablation (e.g. {@code fomaml/wt-mask}); neural methods find their {@code Adapter} under it
 * @param method       the registry name it runs as (e.g. {@code fomaml} for {@code fomaml/wt-mask})
 * @param kind         the registry kind (how a run adapts: neural methods by their adaptation recipe)
 * @param encoder      for neural methods, the mutation encoder; null for baselines
 * @param trainSeconds wall time of the task-independent training charged to the method (meta-training, joint
 *                     pre-training; 0 when unknown or none)
 */
public record MethodSpec(String name, String method, MethodKind kind, EncoderSpec encoder, double trainSeconds)
    implements Serializable {
  private static final long serialVersionUID = 2L;
}
