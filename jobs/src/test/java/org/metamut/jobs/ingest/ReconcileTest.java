package org.metamut.jobs.ingest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manifest's {@code reconciled} check can fail: the cases it must catch (a run with one fails before its commit). */
class ReconcileTest {

  @Test
  void acceptedRowsMustAllReachTheWrittenVariants() {
    assertTrue(VariantStaging.reconciles(10, 8, 10), "8 variants from 10 rows (2 duplicates merged)");
    assertTrue(VariantStaging.reconciles(0, 0, 0), "an empty source");
    assertFalse(VariantStaging.reconciles(10, 8, 9), "an accepted row lost in the merge or the task join");
    assertFalse(VariantStaging.reconciles(10, 8, 11), "an observation counted twice");
    assertFalse(VariantStaging.reconciles(10, 11, 10), "more variants than rows");
    assertFalse(VariantStaging.reconciles(10, 0, 10), "rows accepted but no variant written");
  }
}
