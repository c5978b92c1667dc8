package org.metamut.lib.provenance;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildInfoTest {
  @Test
  void versionAndCommitAreFilledInByTheBuild() {
    BuildInfo info = BuildInfo.current();
    assertTrue(info.version().matches("\\d+\\.\\d+\\.\\d+.*"), info.toString());
    // The tests run from a git checkout (CI clones the repository), so the commit is known.
    assertTrue(info.gitCommit().matches("[0-9a-f]{12}"), info.toString());
    assertFalse(info.toString().contains("${"), info.toString());
  }
}
