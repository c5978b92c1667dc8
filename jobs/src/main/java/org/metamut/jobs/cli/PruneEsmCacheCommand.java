package org.metamut.jobs.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.config.EsmKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.esm.EsmFeatureCache;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.InvalidCheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code metamut model prune-esm-cache}: removes, from the ESM feature cache ({@code metamut.esm.feature-cache}), the
 * folders of every checkpoint but the current one ({@code --checkpoint DIR}, else {@code metamut.esm.checkpoint}),
 * which a replaced or re-downloaded checkpoint leaves behind. Only folders the cache wrote are removed
 * ({@link EsmFeatureCache#prune}); {@code --dry-run} lists them.
 */
@Command(name = "prune-esm-cache", mixinStandardHelpOptions = true,
    description = "Remove the ESM feature cache's folders of every checkpoint but the current one (--checkpoint DIR, "
        + "else metamut.esm.checkpoint); --dry-run lists them.")
final class PruneEsmCacheCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConfigOptions options = new ConfigOptions();

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "The checkpoint whose cache folder is kept (default: metamut.esm.checkpoint).")
  String checkpoint;

  @Option(names = "--dry-run", description = "Only list what would be removed.")
  boolean dryRun;

  @Override
  public Integer call() {
    MetamutConfig cfg = options.load();
    String dir = checkpoint != null ? checkpoint : cfg.get(EsmKeys.CHECKPOINT);
    if (dir.isEmpty()) {
      throw new JobFailedException("no checkpoint to keep: give --checkpoint DIR or set " + EsmKeys.CHECKPOINT.path()
          + " (the cache folder of that checkpoint is kept, every other one removed)");
    }
    String root = EsmKeys.featureCache(cfg).orElseThrow(() -> new JobFailedException(EsmKeys.FEATURE_CACHE.path()
        + " = \"" + EsmKeys.NO_CACHE + "\": there is no feature cache to prune"));
    String fingerprint;
    try {
      fingerprint = EsmCheckpoint.open(java.nio.file.Path.of(dir)).fingerprint();
    } catch (InvalidCheckpointException e) {
      throw new JobFailedException("not a usable ESM-2 checkpoint: " + e.getMessage());
    }
    EsmFeatureCache.Pruned p;
    try {
      Path r = new Path(root);
      p = EsmFeatureCache.prune(r.getFileSystem(new Configuration()), r, fingerprint, dryRun);
    } catch (IOException e) {
      throw new JobFailedException("ESM feature cache " + root + ": " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "feature cache %s: keeping %s (checkpoint %s)%n", root, fingerprint, dir);
    for (String f : p.removed()) {
      out.printf(Locale.ROOT, "%s %s%n", dryRun ? "would remove" : "removed", f);
    }
    for (String s : p.skipped()) {
      out.printf(Locale.ROOT, "left alone: %s%n", s);
    }
    out.printf(Locale.ROOT, "%s %d folder%s, %.1f MB%n", dryRun ? "would remove" : "removed", p.removed().size(),
        p.removed().size() == 1 ? "" : "s", p.bytes() / 1e6);
    out.flush();
    return 0;
  }
}
