package org.metamut.jobs.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * SHA-256 fingerprints of input files and folders, on any Hadoop file system (local paths included). A file:
 * the digest of its bytes. A folder: the digest of the lines {@code <relative path> <file digest>\n} of every
 * file below it, in sorted relative-path order, hidden files and Spark's {@code _SUCCESS}/{@code .crc} side
 * files included as they are, so a Parquet table's fingerprint changes when any of its files does. Files are
 * streamed, never held in memory.
 */
public final class DataFingerprint {
  private DataFingerprint() {
  }

  /** The fingerprint of the file or folder at {@code path}; fails naming the path. */
  public static String of(Configuration hadoop, String path) {
    Path p = new Path(path);
    try {
      FileSystem fs = raw(p.getFileSystem(hadoop));
      FileStatus st = fs.getFileStatus(p);
      return st.isDirectory() ? folder(fs, st.getPath()) : file(fs, st.getPath());
    } catch (IOException e) {
      throw new UncheckedIOException("could not fingerprint " + path + ": " + e.getMessage(), e);
    }
  }

  /** The digest of one file's bytes, lower-case hex. */
  public static String file(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return Sha256.hex(in);
    }
  }

  private static String folder(FileSystem fs, Path dir) throws IOException {
    URI root = dir.toUri();
    List<String[]> files = new ArrayList<>(); // {relative path, absolute path}
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      Path f = it.next().getPath();
      files.add(new String[] {root.relativize(f.toUri()).getPath(), f.toString()});
    }
    files.sort((a, b) -> a[0].compareTo(b[0]));
    MessageDigest d = Sha256.newDigest();
    for (String[] f : files) {
      String line = f[0] + " " + file(fs, new Path(f[1])) + "\n";
      d.update(line.getBytes(StandardCharsets.UTF_8));
    }
    return Sha256.toHex(d.digest());
  }

  /** The local file system hides {@code .crc} side files; its raw form lists them, as HDFS lists every file. */
  private static FileSystem raw(FileSystem fs) {
    return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
  }
}
