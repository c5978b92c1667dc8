package org.metamut.jobs.score;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * Write-then-rename for an output folder: everything is written under a sibling {@code .tmp-<name>-<uuid>},
 * then {@link #commit} moves a previous output aside ({@code .old-<name>-<uuid>}), renames the temporary
 * folder into place and deletes the old one. Readers see the old complete output or the new complete output
 * (never a mix); a crash between the two renames leaves the old output intact under {@code .old-*}. Rename is
 * atomic on a local filesystem and HDFS, not on object stores (S3, GCS), where this is only best-effort.
 */
final class AtomicOutput {
  private final FileSystem fs;
  private final Path target;
  private final Path temp;

  AtomicOutput(String target, Configuration hadoopConf) {
    try {
      Path t = new Path(target);
      this.fs = t.getFileSystem(hadoopConf);
      this.target = fs.makeQualified(t);
      Path parent = this.target.getParent();
      String id = UUID.randomUUID().toString().substring(0, 8);
      this.temp = new Path(parent, ".tmp-" + this.target.getName() + "-" + id);
      fs.mkdirs(parent);
      if (fs.exists(temp)) {
        throw new IOException("temporary output " + temp + " exists");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare output " + target + ": " + e.getMessage(), e);
    }
  }

  FileSystem fs() {
    return fs;
  }

  /** Where to write (a path inside the temporary folder). */
  String temp(String child) {
    return new Path(temp, child).toString();
  }

  Path tempRoot() {
    return temp;
  }

  Path target() {
    return target;
  }

  /** Moves the temporary folder into place, replacing any previous output. */
  void commit() {
    try {
      Path old = null;
      if (fs.exists(target)) {
        old = new Path(target.getParent(), ".old-" + target.getName() + "-" + temp.getName().substring(temp.getName().lastIndexOf('-') + 1));
        if (!fs.rename(target, old)) {
          throw new IOException("cannot move the previous output " + target + " aside to " + old);
        }
      }
      if (!fs.rename(temp, target)) {
        if (old != null) {
          fs.rename(old, target); // put the previous output back
        }
        throw new IOException("cannot rename " + temp + " to " + target);
      }
      if (old != null) {
        fs.delete(old, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit output " + target + ": " + e.getMessage(), e);
    }
  }

  /** Removes the temporary folder (after a failure). */
  void abort() {
    try {
      fs.delete(temp, true);
    } catch (IOException e) {
      // best effort: a leftover .tmp-* folder is ignored by readers and by the next run
    }
  }
}
