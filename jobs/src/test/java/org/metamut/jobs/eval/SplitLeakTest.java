package org.metamut.jobs.eval;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leak guards on explicit split tables, and the support/query draws. */
class SplitLeakTest {

  private static HeldOutTasks.TaskInfo t(String task, String family, String group, String split) {
    return new HeldOutTasks.TaskInfo(task, family, "P" + task, group, split);
  }

  @Test
  void cleanLeaveOneProteinOutSplitPasses() {
    HeldOutTasks h = HeldOutTasks.of(List.of(t("a", "fitness", "G1", "meta-train"), t("b", "fitness", "G2", "meta-test"),
        t("c", "stability", "G3", "meta-val")));
    h.check("meta-test", true);
    h.check("meta-val", true);
    assertEquals(List.of("b"), h.tasks("meta-test"));
  }

  @Test
  void sharedProteinGroupIsALeakUnderLeaveOneProteinOutOnly() {
    HeldOutTasks h = HeldOutTasks.of(List.of(t("a", "fitness", "G1", "meta-train"), t("b", "stability", "G1", "meta-test")));
    HeldOutTasks.LeakException e = assertThrows(HeldOutTasks.LeakException.class, () -> h.check("meta-test", true));
    assertTrue(e.getMessage().contains("protein group G1"), e.getMessage());
    h.check("meta-test", false); // random task hold-out: other tasks of the same protein may be meta-trained on
  }

  @Test
  void taskInTwoSplitsIsRefused() {
    assertThrows(HeldOutTasks.LeakException.class, () -> HeldOutTasks.of(List.of(t("a", "fitness", "G1", "meta-train"),
        t("a", "fitness", "G1", "meta-test"))));
  }

  @Test
  void pickIsRoundRobinOverFamilies() {
    List<HeldOutTasks.TaskInfo> infos = List.of(t("f1", "fitness", "G", "meta-test"), t("f2", "fitness", "G", "meta-test"),
        t("f3", "fitness", "G", "meta-test"), t("s1", "stability", "G", "meta-test"));
    assertEquals(List.of("f1", "s1", "f2"), HeldOutTasks.pick(infos, 3));
    assertEquals(4, HeldOutTasks.pick(infos, 0).size());
  }

  @Test
  void drawsAreDisjointDeterministicAndCapped() {
    Draws a = Draws.draw("task", 100, 8, 7, 50);
    Draws b = Draws.draw("task", 100, 8, 7, 50);
    assertArrayEquals(a.support(), b.support());
    assertArrayEquals(a.query(), b.query());
    assertEquals(8, a.support().length);
    assertEquals(50, a.query().length);
    Set<Integer> s = new HashSet<>();
    for (int i : a.support()) {
      s.add(i);
    }
    for (int i : a.query()) {
      assertTrue(s.add(i), "query index " + i + " is also a support index");
    }
    Draws c = Draws.draw("task", 100, 8, 8, 500);
    assertEquals(92, c.query().length);
    assertTrue(!java.util.Arrays.equals(a.support(), c.support()), "another seed draws another support set");
  }

  @Test
  void supportsAreNestedAndTheSharedQueryIsDisjointFromEverySupport() {
    int[] ks = {8, 16, 32, 64};
    List<Draws> d = Draws.nested("task", 200, ks, 5, 100);
    assertEquals(4, d.size());
    for (int i = 0; i < ks.length; i++) {
      assertEquals(ks[i], d.get(i).k());
      assertEquals(ks[i], d.get(i).support().length);
      assertArrayEquals(d.get(0).query(), d.get(i).query(), "one query set for every k of a (task, seed)");
      Set<Integer> s = new HashSet<>();
      for (int v : d.get(i).support()) {
        s.add(v);
      }
      for (int q : d.get(i).query()) {
        assertTrue(!s.contains(q), "k = " + ks[i] + ": query index " + q + " is in the support");
      }
      if (i > 0) {
        for (int v : d.get(i - 1).support()) {
          assertTrue(s.contains(v), "the k = " + ks[i - 1] + " support is not inside the k = " + ks[i] + " one");
        }
      }
    }
    assertEquals(100, d.get(0).query().length);
    assertEquals(200 - 64, Draws.nested("task", 200, ks, 5, 1000).get(0).query().length, "query: all after the largest k");
    // a k drawn alone is its nested draw, and another seed draws another permutation
    assertArrayEquals(d.get(1).support(), Draws.nested("task", 200, new int[] {16, 64}, 5, 100).get(0).support());
    assertTrue(!java.util.Arrays.equals(d.get(0).support(), Draws.nested("task", 200, ks, 6, 100).get(0).support()));
  }

  @Test
  void tasksSharingAProteinGroupShareABootstrapGroup() {
    java.util.Map<String, Set<String>> byTask = new java.util.LinkedHashMap<>();
    byTask.put("a/blat", Set.of("G2"));
    byTask.put("b/blat", Set.of("G2"));
    byTask.put("c/gfp", Set.of("G5"));
    byTask.put("fireprot/pooled", Set.of("G7", "G9"));
    byTask.put("d/x", Set.of("G9"));
    byTask.put("e/y", Set.of("G3"));
    java.util.Map<String, String> c = HeldOutTasks.components(byTask);
    assertEquals("G2", c.get("a/blat"));
    assertEquals("G2", c.get("b/blat"));
    assertEquals("G5", c.get("c/gfp"));
    assertEquals("G7", c.get("fireprot/pooled"), "a pooled task joins the groups of its proteins");
    assertEquals("G7", c.get("d/x"));
    assertEquals("G3", c.get("e/y"));
  }
}
