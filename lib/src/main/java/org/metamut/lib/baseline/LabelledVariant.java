package org.metamut.lib.baseline;

import java.io.Serializable;

/** A support example: a variant and its measured (task-normalised) value, which must be finite. */
public record LabelledVariant(Variant variant, double y) implements Serializable {

  public LabelledVariant {
    if (variant == null) {
      throw new IllegalArgumentException("labelled variant needs a variant");
    }
    if (!Double.isFinite(y)) {
      throw new IllegalArgumentException("labelled variant " + variant.label() + " has a non-finite value " + y);
    }
  }
}
