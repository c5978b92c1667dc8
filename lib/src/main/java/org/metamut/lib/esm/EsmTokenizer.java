package org.metamut.lib.esm;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ESM alphabet from {@code vocab.txt} (one token per line, line number = id): single residue letters and
 * bracketed special tokens ({@code <cls> <pad> <eos> <unk> <mask>}). A sequence is encoded as {@code <cls>}, one id
 * per residue (or per {@code <...>} token written in-line, e.g. {@code <mask>}), {@code <eos>} — what the
 * HuggingFace {@code EsmTokenizer} and fair-esm's batch converter produce. A character outside the alphabet is an
 * error rather than {@code <unk>}: metamut's sequences are validated protein sequences, and a silent {@code <unk>}
 * would score a different protein.
 */
public final class EsmTokenizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> tokens;
  private final Map<String, Integer> ids = new HashMap<>();
  private final int cls;
  private final int eos;
  private final int pad;
  private final int mask;

  public EsmTokenizer(List<String> tokens, Path source) {
    this.tokens = List.copyOf(tokens);
    for (int i = 0; i < this.tokens.size(); i++) {
      String t = this.tokens.get(i);
      if (t.isEmpty() || ids.putIfAbsent(t, i) != null) {
        throw new InvalidCheckpointException(source, "line " + (i + 1) + ": token '" + t + "' is empty or repeated");
      }
    }
    this.cls = required("<cls>", source);
    this.eos = required("<eos>", source);
    this.pad = required("<pad>", source);
    this.mask = required("<mask>", source);
  }

  /** Reads {@code vocab.txt}. */
  public static EsmTokenizer read(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).toList();
      int n = lines.size();
      while (n > 0 && lines.get(n - 1).isEmpty()) {
        n--; // a trailing newline is not a token
      }
      return new EsmTokenizer(lines.subList(0, n), file);
    } catch (IOException e) {
      throw new InvalidCheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private int required(String t, Path source) {
    Integer id = ids.get(t);
    if (id == null) {
      throw new InvalidCheckpointException(source, "the vocabulary has no " + t + " token");
    }
    return id;
  }

  public int size() {
    return tokens.size();
  }

  public int cls() {
    return cls;
  }

  public int eos() {
    return eos;
  }

  public int pad() {
    return pad;
  }

  public int mask() {
    return mask;
  }

  public String token(int id) {
    return tokens.get(id);
  }

  /** The id of a residue letter; an unknown letter is an error naming it. */
  public int id(char residue) {
    Integer id = ids.get(String.valueOf(residue));
    if (id == null) {
      throw new IllegalArgumentException("residue '" + residue + "' is not in the ESM vocabulary");
    }
    return id;
  }

  /** {@code <cls>}, the residues (and in-line {@code <...>} tokens), {@code <eos>}. */
  public int[] encode(String sequence) {
    int[] out = new int[sequence.length() + 2];
    int n = 0;
    out[n++] = cls;
    for (int i = 0; i < sequence.length(); i++) {
      char c = sequence.charAt(i);
      if (c == '<') {
        int close = sequence.indexOf('>', i);
        Integer id = close < 0 ? null : ids.get(sequence.substring(i, close + 1));
        if (id == null) {
          throw new IllegalArgumentException("sequence position " + (i + 1) + ": unknown special token in '"
              + sequence.substring(i, Math.min(sequence.length(), i + 12)) + "'");
        }
        out[n++] = id;
        i = close;
      } else {
        out[n++] = id(c);
      }
    }
    out[n++] = eos;
    return java.util.Arrays.copyOf(out, n);
  }
}
