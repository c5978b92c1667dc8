package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.data.Proteins;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.sequence.Fasta;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a catalogue entry to its files and wild types, on the driver. Wild-type files are small (one
 * sequence, or a table of a few hundred); data files are only listed here, never read.
 */
final class WildTypes {
  private static final Pattern RANGE = Pattern.compile("/(\\d+)-(\\d+)\\s*$");

  private final Configuration hadoop;
  private final String dataDir;

  WildTypes(Configuration hadoop, String dataDir) {
    this.hadoop = hadoop;
    this.dataDir = dataDir;
  }

  /** The data files of a source, sorted by path; an IOException names the source on failure. */
  List<SourceFile> resolve(SourceSpec s) throws IOException {
    Path glob = resolvePath(s.path());
    FileSystem fs = glob.getFileSystem(hadoop);
    FileStatus[] found = fs.globStatus(glob);
    List<FileStatus> files = new ArrayList<>();
    if (found != null) {
      for (FileStatus st : found) {
        if (st.isFile()) {
          files.add(st);
        }
      }
    }
    if (files.isEmpty()) {
      throw new IOException("source " + s.id() + ": no file matches " + glob);
    }
    files.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
    Map<String, String> table = s.wtTable() != null ? readTable(s) : null;
    List<SourceFile> out = new ArrayList<>();
    for (FileStatus st : files) {
      Path p = st.getPath();
      String file = p.toString();
      if (s.multiProtein()) {
        out.add(new SourceFile(s.id(), file, null, null, s.positionOffset(), table));
        continue;
      }
      String name = expand(s.protein(), p);
      String wt;
      int offset = s.positionOffset();
      if (s.wtFasta() != null) {
        Path fasta = resolveTemplate(s.wtFasta(), p);
        Fasta.Record rec = firstRecord(s, fasta);
        wt = rec.sequence();
        if (s.offsetFromFastaHeader()) {
          Matcher m = RANGE.matcher(rec.header());
          offset = m.find() ? Integer.parseInt(m.group(1)) - 1 : 0;
        }
        checkSequence(wt, "source " + s.id() + ": wild type in " + fasta);
      } else {
        Path yaml = resolvePath(s.wtMetlYaml());
        wt = readMetlYaml(yaml).get(name);
        if (wt == null) {
          throw new IOException("source " + s.id() + ": " + yaml + " has no ds_name '" + name + "' (for " + file + ")");
        }
        checkSequence(wt, "source " + s.id() + ": wt_aa of " + name + " in " + yaml);
      }
      out.add(new SourceFile(s.id(), file, name, wt, offset, null));
    }
    return out;
  }

  /** The wild-type files a source depends on (for fingerprints). */
  List<Path> dependencies(SourceSpec s, List<SourceFile> files) {
    List<Path> deps = new ArrayList<>();
    if (s.wtMetlYaml() != null) {
      deps.add(resolvePath(s.wtMetlYaml()));
    }
    if (s.wtTable() != null) {
      deps.add(resolvePath(s.wtTable()));
    }
    if (s.wtFasta() != null) {
      for (SourceFile f : files) {
        deps.add(resolveTemplate(s.wtFasta(), new Path(f.path())));
      }
    }
    return deps;
  }

  Path resolvePath(String p) {
    Path path = new Path(p);
    return path.isAbsolute() || path.toUri().getScheme() != null ? path : new Path(new Path(dataDir), p);
  }

  private Path resolveTemplate(String template, Path dataFile) {
    String dir = dataFile.getParent().toString();
    String t = expand(template.replace("{dir}", dir), dataFile);
    return template.startsWith("{dir}") ? new Path(t) : resolvePath(t);
  }

  static String expand(String template, Path file) {
    String name = file.getName();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return template.replace("{stem}", stem).replace("{parent}", file.getParent().getName());
  }

  /** The first record of a wild-type FASTA file; a malformed file fails naming the source, file and line. */
  private Fasta.Record firstRecord(SourceSpec s, Path fasta) throws IOException {
    try {
      return Proteins.fasta(hadoop, fasta).get(0);
    } catch (IllegalArgumentException e) {
      throw new IOException("source " + s.id() + ": " + e.getMessage(), e);
    }
  }

  /** ds_name -> wt_aa of METL's datasets.yml (a flat YAML: one mapping per dataset). */
  Map<String, String> readMetlYaml(Path p) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (BufferedReader r = open(p)) {
      String name = null;
      String line;
      while ((line = r.readLine()) != null) {
        String t = line.strip();
        if (!line.startsWith(" ") && t.endsWith(":")) {
          name = null; // a new entry
        } else if (t.startsWith("ds_name:")) {
          name = t.substring("ds_name:".length()).strip();
        } else if (t.startsWith("wt_aa:") && name != null) {
          out.put(name, t.substring("wt_aa:".length()).strip().toUpperCase(Locale.ROOT));
        }
      }
    }
    return out;
  }

  private Map<String, String> readTable(SourceSpec s) throws IOException {
    Path p = resolvePath(s.wtTable());
    Map<String, String> out = new LinkedHashMap<>();
    try (BufferedReader r = open(p)) {
      String headerLine = r.readLine();
      if (headerLine == null) {
        throw new IOException("source " + s.id() + ": wild-type table " + p + " is empty");
      }
      List<String> header = Arrays.asList(stripBom(headerLine).split(",", -1));
      int k = header.indexOf(s.wtTableKeyColumn());
      int v = header.indexOf(s.wtTableSequenceColumn());
      if (k < 0 || v < 0) {
        throw new IOException("source " + s.id() + ": wild-type table " + p + " lacks column "
            + (k < 0 ? s.wtTableKeyColumn() : s.wtTableSequenceColumn()) + " (has " + header + ")");
      }
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        List<String> f;
        try {
          f = DelimitedLine.split(line.strip(), ',');
        } catch (DelimitedLine.BadQuoting e) {
          throw new IOException(p + " line " + lineNo + ": " + e.getMessage());
        }
        if (f.size() > Math.max(k, v)) {
          String seq = f.get(v).strip().toUpperCase(Locale.ROOT);
          checkSequence(seq, p + " line " + lineNo);
          out.put(f.get(k).strip(), seq);
        }
      }
    }
    return out;
  }

  static void checkSequence(String seq, String where) throws IOException {
    for (int i = 0; i < seq.length(); i++) {
      char c = seq.charAt(i);
      if (c < 'A' || c > 'Z') {
        throw new IOException(where + ": residue '" + c + "' at " + (i + 1)
            + " is not a letter (standard residues: " + Mutation.AMINO_ACIDS + "; X etc. = unknown)");
      }
    }
    if (seq.isEmpty()) {
      throw new IOException(where + ": empty sequence");
    }
  }

  private BufferedReader open(Path p) throws IOException {
    FileSystem fs = p.getFileSystem(hadoop);
    return new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8));
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }
}
