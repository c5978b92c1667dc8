package org.metamut.jobs.score;

import org.metamut.lib.model.FlatModel;

import java.io.Serializable;

/**
 * Creates the model on an executor (one instance per partition: models keep native scratch buffers and are
 * not thread-safe). Serialisable and small: it carries the architecture, never parameters.
 */
public interface ModelFactory extends Serializable {

  FlatModel create();

  /** Number of parameters of the models it creates. */
  int numParams();

  /** One line for provenance. */
  String describe();
}
