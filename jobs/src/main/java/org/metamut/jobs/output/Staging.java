package org.metamut.jobs.output;

import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mechanics shared by folders and files: hidden sibling names ({@code .<name>.tmp-<id>} for what is being
 * written, {@code .<name>.old-<id>} for the previous version while it is being replaced), the swap (old aside,
 * new in, old deleted) and the repair of a swap a dead process left half done.
 */
final class Staging {
  static final String TMP = "tmp";
  static final String OLD = "old";
  private static final Pattern SIBLING = Pattern.compile("\\.(.+)\\.(tmp|old)-([0-9a-f]{8})");

  private Staging() {
  }

  /** A fresh hidden sibling of {@code target} of the given kind ({@link #TMP} or {@link #OLD}). */
  static Path sibling(Path target, String kind) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    return new Path(target.getParent(), "." + target.getName() + "." + kind + "-" + id);
  }

  /** Whether {@code name} is a staging or moved-aside sibling written by this layer. */
  static boolean isLeftover(String name) {
    return SIBLING.matcher(name).matches();
  }

  /** The file system without client-side checksums (no {@code .crc} side files for the small files we write). */
  static FileSystem raw(FileSystem fs) {
    return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
  }

  /**
   * Puts {@code staged} in place of {@code target} ({@code staged == null}: removes {@code target}), keeping the
   * previous version until the new one is in: previous moved aside, staged renamed in, previous deleted.
   */
  static void swap(FileSystem fs, Path staged, Path target) throws IOException {
    Path parent = target.getParent();
    if (!fs.exists(parent) && !fs.mkdirs(parent)) {
      throw new IOException("cannot create folder " + parent);
    }
    Path old = null;
    if (fs.exists(target)) {
      old = sibling(target, OLD);
      if (!fs.rename(target, old)) {
        throw new IOException("cannot move the previous version of " + target + " aside to " + old);
      }
    }
    if (staged != null && !fs.rename(staged, target)) {
      if (old != null) {
        fs.rename(old, target); // put the previous version back
      }
      throw new IOException("cannot rename " + staged + " to " + target);
    }
    if (old != null) {
      fs.delete(old, true); // best effort: a leftover is deleted by the next open
    }
  }

  /**
   * Repairs what a dead writer of {@code target} left: when {@code target} is missing but a moved-aside previous
   * version exists (death between the two renames), that version is restored; every other leftover sibling of
   * {@code target} is deleted. Returns a sentence when something was restored.
   */
  static Optional<String> recover(FileSystem fs, Path target) throws IOException {
    Path parent = target.getParent();
    if (parent == null || !fs.exists(parent) || !fs.getFileStatus(parent).isDirectory()) {
      return Optional.empty();
    }
    List<FileStatus> olds = new ArrayList<>();
    List<FileStatus> tmps = new ArrayList<>();
    for (FileStatus st : fs.listStatus(parent)) {
      Matcher m = SIBLING.matcher(st.getPath().getName());
      if (m.matches() && m.group(1).equals(target.getName())) {
        (m.group(2).equals(OLD) ? olds : tmps).add(st);
      }
    }
    Optional<String> said = Optional.empty();
    if (!fs.exists(target) && !olds.isEmpty()) {
      olds.sort(Comparator.comparingLong(FileStatus::getModificationTime));
      FileStatus newest = olds.remove(olds.size() - 1);
      if (!fs.rename(newest.getPath(), target)) {
        throw new IOException("cannot restore " + target + " from " + newest.getPath());
      }
      said = Optional.of("restored the previous version of " + target + " (a run died while replacing it)");
    }
    for (FileStatus st : olds) {
      fs.delete(st.getPath(), true);
    }
    for (FileStatus st : tmps) {
      fs.delete(st.getPath(), true);
    }
    return said;
  }

  /** {@code p} qualified on {@code fs}, without a trailing slash (a {@code Path} made from a folder's URI has one). */
  static Path qualify(FileSystem fs, Path p) {
    return new Path(fs.makeQualified(p).toString());
  }

  /** {@code p} as a user reads it: a local path without {@code file:}, anything else as its URI. */
  static String display(Path p) {
    return "file".equals(p.toUri().getScheme()) ? p.toUri().getPath() : p.toString();
  }

  /** The first line of a message (Jackson and Hadoop messages can span lines). */
  static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
