package org.metamut.jobs.ingest;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/** The end-of-run lines: per source, rows read = variants + duplicates merged + quarantined. */
public final class IngestReport {
  private IngestReport() {
  }

  @SuppressWarnings("unchecked")
  public static void print(IngestJob.Result r, Consumer<String> say) {
    if (r.changedNothing()) {
      return;
    }
    say.accept(String.format(Locale.ROOT, "%-16s %10s %10s %10s %10s  %s", "source", "rows read", "variants",
        "merged", "quarantine", "check"));
    Map<String, Map<String, Object>> sources = (Map<String, Map<String, Object>>) r.manifest().get("sources");
    for (Map.Entry<String, Map<String, Object>> e : sources.entrySet()) {
      Map<String, Object> s = e.getValue();
      boolean fresh = r.ingested().contains(e.getKey());
      say.accept(String.format(Locale.ROOT, "%-16s %,10d %,10d %,10d %,10d  %s%s", e.getKey(), num(s, "rows_read"),
          num(s, "variants"), num(s, "duplicates_merged"), num(s, "quarantined"),
          Boolean.TRUE.equals(s.get("reconciled")) ? "ok" : "MISMATCH", fresh ? "" : " (unchanged, not re-read)"));
      Map<String, Object> reasons = (Map<String, Object>) s.getOrDefault("quarantine_by_reason", Map.of());
      if (fresh && !reasons.isEmpty()) {
        say.accept("    quarantined: " + reasons);
      }
      List<Object> pooled = (List<Object>) s.getOrDefault("pooled_proteins", List.of());
      if (fresh && !pooled.isEmpty()) {
        say.accept("    pooled into " + e.getKey() + "/pooled: " + pooled.size() + " proteins");
      }
    }
    say.accept(String.format(Locale.ROOT, "this run: %,d rows read, %,d variants, %,d duplicates merged, %,d quarantined"
            + " in %.1f s (%,.0f rows/s)", r.rowsRead(), r.variants(), r.duplicatesMerged(), r.quarantined(), r.seconds(),
        r.seconds() > 0 ? r.rowsRead() / r.seconds() : 0.0));
    Map<String, Object> outputs = (Map<String, Object>) r.manifest().get("outputs");
    say.accept("outputs: " + outputs.values() + ", manifest ingest-manifest.json");
  }

  private static long num(Map<String, Object> m, String k) {
    Object o = m.get(k);
    return o instanceof Number n ? n.longValue() : 0L;
  }
}
