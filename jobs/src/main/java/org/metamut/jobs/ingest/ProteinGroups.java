package org.metamut.jobs.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Protein identity. A protein is a distinct wild-type sequence: {@code protein_id = "P" + sha256[0:12]} of
 * its letters, whatever the sources call it (their names become {@code aliases}, {@code "<source>/<name>"}).
 * Proteins that are the same protein or a close homologue form one {@code group_id} (the id of the group's
 * longest sequence, ties by id), so leave-one-protein-out holds out all of them together. Two sequences are
 * linked when
 * <ul>
 *   <li>one contains the other (a DMS region inside the full UniProt sequence, GB1's 56-residue domain inside
 *   the 265-residue FLIP construct), or</li>
 *   <li>they share a stretch of at least {@value #MIN_SHARED} residues ({@code min(50, the shorter length)}) at
 *   more than 90 % identity without gaps: a point mutant or stabilised construct used as a structure (FireProt's
 *   1PGA and GB1, 1ZG4 and TEM-1), a domain shared by two constructs that extend it differently (ProteinGym's
 *   full protein G and FLIP's GB1), orthologues and strains at &gt; 90 % identity (DLG4 rat / human, influenza
 *   NP, HIV-1 Env). The stretch is the maximal-scoring segment of a diagonal with match +1 and mismatch
 *   {@value #MISMATCH} (a positive score means identity above 90 %); diagonals are found through shared
 *   {@value #K}-mers, which every such stretch has (fewer than 5 mismatches in 50 residues leave an exact run of at least 9).</li>
 * </ul>
 * Links are transitive (union-find). Homologues below 90 % identity stay apart (e.g. two species' cytochrome c,
 * FireProt 1HRC and 1CYC). Built on the driver from the per-source protein lists in the manifest: the
 * number of proteins is small (one per sequence, not per row). The table itself is written by
 * {@link org.metamut.jobs.data.Proteins}.
 */
final class ProteinGroups {
  /** A shared stretch at least this long (or the whole shorter sequence) links two sequences. */
  static final int MIN_SHARED = 50;
  /** Mismatch score against +1 per match: a positive segment is more than 90 % identical. */
  static final int MISMATCH = -9;
  /** Seed length for candidate diagonals. */
  static final int K = 8;

  private ProteinGroups() {
  }

  static String idOf(String sha) {
    return "P" + sha.substring(0, 12);
  }

  /** The rows of the proteins table, sorted by protein_id. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> table(Map<String, Map<String, Object>> sourceReports) {
    Map<String, String> seqById = new TreeMap<>();
    Map<String, String> shaById = new HashMap<>();
    Map<String, TreeSet<String>> aliases = new HashMap<>();
    for (Map.Entry<String, Map<String, Object>> s : sourceReports.entrySet()) {
      for (Object o : (List<Object>) s.getValue().getOrDefault("proteins", List.of())) {
        Map<String, Object> p = (Map<String, Object>) o;
        String id = (String) p.get("protein_id");
        seqById.put(id, (String) p.get("sequence"));
        shaById.put(id, (String) p.get("sha256"));
        aliases.computeIfAbsent(id, k -> new TreeSet<>()).add(s.getKey() + "/" + p.get("name"));
      }
    }
    List<String> ids = new ArrayList<>(seqById.keySet());
    int[] parent = new int[ids.size()];
    for (int i = 0; i < parent.length; i++) {
      parent[i] = i;
    }
    List<String> seqs = new ArrayList<>();
    for (String id : ids) {
      seqs.add(seqById.get(id));
    }
    for (int[] link : links(seqs)) {
      union(parent, link[0], link[1]);
    }
    Map<Integer, String> groupId = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      int r = find(parent, i);
      String cur = groupId.get(r);
      String id = ids.get(i);
      if (cur == null || seqById.get(id).length() > seqById.get(cur).length()) {
        groupId.put(r, id);
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("protein_id", id);
      p.put("sequence", seqById.get(id));
      p.put("sha256", shaById.get(id));
      p.put("length", seqById.get(id).length());
      String first = aliases.get(id).first();
      p.put("name", first.substring(first.indexOf('/') + 1));
      p.put("aliases", List.copyOf(aliases.get(id)));
      p.put("group_id", groupId.get(find(parent, i)));
      out.add(p);
    }
    return out;
  }

  /**
   * The pairs (i &lt; j) of sequences that are one protein or close homologues: containment, or a shared
   * stretch of {@code min(MIN_SHARED, shorter length)} residues at more than 90 % identity (see the class).
   */
  static List<int[]> links(List<String> seqs) {
    List<int[]> out = new ArrayList<>();
    // candidate diagonals per pair from shared K-mers: key = i * n + j, value = set of offsets pA - pB
    int n = seqs.size();
    Map<String, List<int[]>> kmers = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String s = seqs.get(i);
      for (int p = 0; p + K <= s.length(); p++) {
        kmers.computeIfAbsent(s.substring(p, p + K), k -> new ArrayList<>()).add(new int[] {i, p});
      }
    }
    Map<Long, Set<Integer>> diagonals = new HashMap<>();
    for (List<int[]> occ : kmers.values()) {
      for (int x = 0; x < occ.size(); x++) {
        for (int y = x + 1; y < occ.size(); y++) {
          int[] a = occ.get(x);
          int[] b = occ.get(y);
          if (a[0] == b[0]) {
            continue;
          }
          if (a[0] > b[0]) {
            int[] t = a;
            a = b;
            b = t;
          }
          diagonals.computeIfAbsent((long) a[0] * n + b[0], k -> new HashSet<>()).add(a[1] - b[1]);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        String a = seqs.get(i);
        String b = seqs.get(j);
        boolean linked = a.contains(b) || b.contains(a);
        Set<Integer> ds = diagonals.get((long) i * n + j);
        if (!linked && ds != null) {
          int need = Math.min(MIN_SHARED, Math.min(a.length(), b.length()));
          for (int d : ds) {
            if (sharedStretch(a, b, d) >= need) {
              linked = true;
              break;
            }
          }
        }
        if (linked) {
          out.add(new int[] {i, j});
        }
      }
    }
    return out;
  }

  /**
   * The longest gapless segment on diagonal {@code d} (a[p] against b[p - d]) whose score (match +1, mismatch
   * {@link #MISMATCH}) stays positive from its start, i.e. whose identity is above 90 %.
   */
  static int sharedStretch(String a, String b, int d) {
    int lo = Math.max(0, d);
    int hi = Math.min(a.length(), b.length() + d);
    int score = 0;
    int start = lo;
    int best = 0;
    for (int p = lo; p < hi; p++) {
      score += a.charAt(p) == b.charAt(p - d) ? 1 : MISMATCH;
      if (score <= 0) {
        score = 0;
        start = p + 1;
      } else {
        best = Math.max(best, p + 1 - start);
      }
    }
    return best;
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  private static void union(int[] parent, int a, int b) {
    parent[find(parent, a)] = find(parent, b);
  }
}
