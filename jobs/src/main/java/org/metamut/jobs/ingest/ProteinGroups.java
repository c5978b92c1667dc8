package org.metamut.jobs.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Protein identity. A protein is a distinct wild-type sequence: {@code protein_id = "P" + sha256[0:12]} of
 * its letters, whatever the sources call it (their names become {@code aliases}, {@code "<source>/<name>"}).
 * Proteins whose sequences contain one another (e.g. a DMS region inside the full UniProt sequence, GB1's
 * 56-residue domain inside the 265-residue FLIP construct) form one {@code group_id} (the id of the group's
 * longest sequence, ties by id), so leave-one-protein-out holds out all of them together. Partial overlaps
 * (neither contains the other) and near-identical sequences (a point mutant used as a structure) are not
 * merged. Built on the driver from the per-source protein lists in the manifest: the number of proteins is
 * small (one per sequence, not per row). The table itself is written by {@link org.metamut.jobs.data.Proteins}.
 */
final class ProteinGroups {
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
    for (int i = 0; i < ids.size(); i++) {
      for (int j = i + 1; j < ids.size(); j++) {
        String a = seqById.get(ids.get(i));
        String b = seqById.get(ids.get(j));
        if (a.contains(b) || b.contains(a)) {
          union(parent, i, j);
        }
      }
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
