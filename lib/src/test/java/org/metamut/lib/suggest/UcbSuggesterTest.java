package org.metamut.lib.suggest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UcbSuggesterTest {
  private static final String AA = "ACDEFGHIKLMNPQRSTVWY";

  private static UcbSuggester.Candidate single(long id, int pos, char mt, double mean, double sd) {
    String tok = "A" + pos + mt;
    return new UcbSuggester.Candidate(id, tok, UcbSuggester.key(List.of(tok)), List.of(pos), mean, sd);
  }

  @Test
  void picksByUcbOnePerSiteAndGivesTheReasons() {
    List<UcbSuggester.Candidate> c = List.of(
        single(0, 39, 'G', 1.0, 0.1),   // ucb 1.2
        single(1, 39, 'V', 0.9, 0.5),   // ucb 1.9: best at 39
        single(2, 41, 'K', 0.2, 1.0),   // ucb 2.2: uncertain, best overall
        single(3, 41, 'L', 1.5, 0.0),   // ucb 1.5: greedy's choice, but 41 is taken
        single(4, 50, 'W', 0.5, 0.1),   // ucb 0.7
        single(5, 60, 'C', 3.0, 0.0));  // labelled
    Set<String> labelled = Set.of(UcbSuggester.key(List.of("A60C")));
    List<UcbSuggester.Suggestion> all = new UcbSuggester(2.0, 1).suggest(c, labelled, 3);
    List<UcbSuggester.Suggestion> picks = UcbSuggester.picks(all);
    assertEquals(List.of(2L, 1L, 4L), picks.stream().map(s -> s.candidate().id()).toList());
    assertEquals(List.of(1, 2, 3), picks.stream().map(UcbSuggester.Suggestion::rank).toList());
    assertEquals("highest UCB at site 41", picks.get(0).reason());
    assertEquals(2.2, picks.get(0).ucb(), 1e-12);
    // met on the way, in UCB order: 60C (3.0, labelled) first, 41L and 39G after their sites were taken
    assertEquals("already labelled (in the adaptation set)", all.get(0).reason());
    assertTrue(all.stream().anyMatch(s -> !s.picked() && s.candidate().id() == 3 && s.reason().equals("site 41 already has a pick")));
    double last = Double.POSITIVE_INFINITY;
    for (UcbSuggester.Suggestion s : all) {
      assertTrue(s.ucb() <= last);
      last = s.ucb();
    }
    // β = 0 is greedy by the mean
    assertEquals(List.of(3L, 0L, 4L), UcbSuggester.picks(new UcbSuggester(0, 1).suggest(c, labelled, 3)).stream()
        .map(s -> s.candidate().id()).toList());
  }

  @Test
  void neverALabelledVariantNorTwoAtASiteOnARandomLibrary() {
    Random r = new Random(5);
    List<UcbSuggester.Candidate> c = new ArrayList<>();
    Set<String> labelled = new HashSet<>();
    long id = 0;
    for (int pos = 1; pos <= 30; pos++) {
      for (char mt : AA.toCharArray()) {
        UcbSuggester.Candidate x = single(id++, pos, mt, r.nextGaussian(), r.nextDouble());
        c.add(x);
        if (r.nextDouble() < 0.2) {
          labelled.add(x.key());
        }
      }
    }
    // doubles too: a double occupies both of its sites
    for (int i = 0; i < 200; i++) {
      int a = 1 + r.nextInt(30);
      int b = 1 + r.nextInt(30);
      if (a != b) {
        List<String> toks = List.of("A" + b + "W", "A" + a + "C"); // written out of order on purpose
        c.add(new UcbSuggester.Candidate(id++, String.join(":", toks), UcbSuggester.key(toks), List.of(a, b),
            r.nextGaussian() + 0.5, r.nextDouble()));
      }
    }
    for (int perSite : new int[] {1, 2}) {
      int n = 15 * perSite; // a pick takes at most 2 of the 30 sites: always this many to be had
      List<UcbSuggester.Suggestion> picks = UcbSuggester.picks(new UcbSuggester(1.0, perSite).suggest(c, labelled, n));
      assertEquals(n, picks.size());
      Map<Integer, Integer> perSiteCount = new TreeMap<>();
      for (UcbSuggester.Suggestion s : picks) {
        assertFalse(labelled.contains(s.candidate().key()), s.candidate().variant() + " is labelled");
        s.candidate().sites().forEach(p -> perSiteCount.merge(p, 1, Integer::sum));
      }
      perSiteCount.forEach((site, m) -> assertTrue(m <= perSite, "site " + site + " has " + m + " picks"));
    }
    assertEquals("A3C:A12W", UcbSuggester.key(List.of("A12W", "A3C")));
  }

  @Test
  void aSecondPickAtASiteIsSaidSoAndUnsortedInputIsRefused() {
    List<UcbSuggester.Candidate> c = List.of(single(0, 7, 'G', 2, 0), single(1, 7, 'V', 1, 0));
    List<UcbSuggester.Suggestion> p = new UcbSuggester(1, 2).suggest(c, Set.of(), 2);
    assertEquals("2nd-highest UCB at site 7", p.get(1).reason());
    assertThrows(IllegalArgumentException.class,
        () -> new UcbSuggester(1, 1).suggestSorted(List.of(c.get(1), c.get(0)).iterator(), Set.of(), 2));
    // a top crowded at one site: the picks are found, the passed-over list is capped at 10 per pick asked
    List<UcbSuggester.Candidate> crowded = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      crowded.add(single(i, 3, AA.charAt(i % 20), 10 - 0.01 * i, 0));
    }
    crowded.add(single(100, 4, 'W', 0, 0));
    List<UcbSuggester.Suggestion> s = new UcbSuggester(1, 1).suggest(crowded, Set.of(), 2);
    assertEquals(List.of(0L, 100L), UcbSuggester.picks(s).stream().map(x -> x.candidate().id()).toList());
    assertEquals(2 + 20, s.size());
    assertThrows(IllegalArgumentException.class, () -> new UcbSuggester(-1, 1));
    assertThrows(IllegalArgumentException.class, () -> new UcbSuggester(1, 0));
  }
}
