package org.metamut.jobs.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The job's files through Hadoop's FileSystem API, so the output folder may be a local path or any Hadoop URI
 * (hdfs://, s3a://, ...). Checkpoints and the model folder are published through
 * {@link org.metamut.jobs.output.OutputFolder}, whose rename is atomic on local filesystems and HDFS, not on object
 * stores (there, a checkpoint is copied object by object: see src/docs/meta-train.md).
 */
final class RunFiles {
  private final FileSystem fs;

  RunFiles(String anyPathOnTheFs, Configuration conf) throws IOException {
    this.fs = FileSystem.get(toUri(anyPathOnTheFs), conf);
  }

  static URI toUri(String p) {
    return p.contains("://") || p.startsWith("file:") ? URI.create(p) : new java.io.File(p).getAbsoluteFile().toURI();
  }

  static Path path(String p) {
    return new Path(toUri(p));
  }

  FileSystem fs() {
    return fs;
  }

  boolean exists(Path p) throws IOException {
    return fs.exists(p);
  }

  void mkdirs(Path p) throws IOException {
    if (!fs.mkdirs(p)) {
      throw new IOException("cannot create folder " + p);
    }
  }

  OutputStream create(Path p) throws IOException {
    return fs.create(p, true);
  }

  /**
   * A new row log at {@code p} (replacing any): on a local file system written without Hadoop's client-side checksum
   * layer, whose buffering keeps flushed rows in the JVM, so that every flushed row is in the OS when a killed
   * process dies (metrics.csv and eval.csv are what a resume restores the meta-val selection from). Other file
   * systems flush through their own {@code hflush}.
   */
  OutputStream createLog(Path p) throws IOException {
    if (fs instanceof ChecksumFileSystem c) {
      delete(p); // with its .crc, which would no longer match
      return c.getRawFileSystem().create(p, true);
    }
    return fs.create(p, true);
  }

  InputStream open(Path p) throws IOException {
    return fs.open(p);
  }

  void delete(Path p) throws IOException {
    if (fs.exists(p) && !fs.delete(p, true)) {
      throw new IOException("cannot delete " + p);
    }
  }

  List<FileStatus> list(Path dir) throws IOException {
    if (!fs.exists(dir)) {
      return List.of();
    }
    return new ArrayList<>(List.of(fs.listStatus(dir)));
  }
}
