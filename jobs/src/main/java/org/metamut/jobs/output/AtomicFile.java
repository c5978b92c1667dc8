package org.metamut.jobs.output;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One file replaced atomically: written completely to a hidden sibling ({@code .<name>.tmp-<id>}), then put in
 * place with the folders' swap (previous version moved aside, new one renamed in, previous deleted), so a reader
 * sees the old file or the new one, never a partial one. Used for model files; files carry no marker, but an
 * existing folder of that name is refused rather than written into.
 */
public final class AtomicFile {

  /** Writes the file's bytes. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFile() {
  }

  /**
   * A location as a Hadoop path: with a scheme ({@code hdfs://}, {@code s3a://}, {@code file:}) as given; a plain
   * path is a local file, relative to the working folder (as files the jobs read with java.nio).
   */
  public static Path location(String location) {
    return location.contains("://") || location.startsWith("file:") ? new Path(location)
        : new Path(new File(location).getAbsoluteFile().toURI());
  }

  /** {@link #write(FileSystem, Path, Body)} for a {@link #location}. */
  public static void write(String location, Configuration conf, Body body) throws IOException {
    Path p = location(location);
    write(p.getFileSystem(conf), p, body);
  }

  /** Replaces {@code file} with what {@code body} writes; nothing changes at {@code file} if it throws. */
  public static void write(FileSystem fs, Path file, Body body) throws IOException {
    Path f = Staging.qualify(fs, file);
    if (f.getParent() == null) {
      throw new OutputRefusedException("refusing to write the file " + Staging.display(f) + ": not a file name");
    }
    Staging.recover(fs, f);
    checkReplaceable(fs, f);
    if (!fs.exists(f.getParent()) && !fs.mkdirs(f.getParent())) {
      throw new IOException("cannot create folder " + f.getParent());
    }
    Path tmp = Staging.sibling(f, Staging.TMP);
    boolean done = false;
    try {
      try (FSDataOutputStream raw = Staging.raw(fs).create(tmp, false);
           OutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
        body.writeTo(out);
      }
      Staging.swap(fs, tmp, f);
      done = true;
    } finally {
      if (!done) {
        fs.delete(tmp, false);
      }
    }
  }

  /** Refuses ({@link OutputRefusedException}) a {@code file} that is a folder. */
  public static void checkReplaceable(FileSystem fs, Path file) throws IOException {
    if (fs.exists(file) && fs.getFileStatus(file).isDirectory()) {
      throw new OutputRefusedException("refusing to write the file " + Staging.display(file)
          + ": a folder of that name exists; choose another file name");
    }
  }
}
