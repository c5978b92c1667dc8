package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shared layout of the three encoders: {@code BOS, window residues (each mutated site written as the encoder's
 * site group), EOS}, with one MASK token per skipped stretch inside the window (see {@link CropWindow}).
 */
abstract class SiteEncoder implements Encoder {
  private final EncoderSpec spec;

  SiteEncoder(EncoderSpec spec) {
    this.spec = spec;
  }

  @Override
  public EncoderSpec spec() {
    return spec;
  }

  @Override
  public boolean crops(int wildTypeLength, int sites) {
    return wildTypeLength > spec.maxTokens() - 2 - extraTokensPerSite() * sites; // CropWindow's room
  }

  /** Tokens a site adds beyond the one residue token it replaces. */
  abstract int extraTokensPerSite();

  /** Appends the site's tokens (and flags, when {@link #flagged()}). */
  abstract void emitSite(Mutation m, List<Integer> ids, List<Byte> flags);

  boolean flagged() {
    return false;
  }

  /** The token of a wild-type residue letter (the reference vocabulary's; the ESM encoder overrides the four below). */
  int residue(char c) {
    return Vocabulary.residue(c);
  }

  /** First token. */
  int bos() {
    return Vocabulary.BOS;
  }

  /** Last token. */
  int eos() {
    return Vocabulary.EOS;
  }

  /** The token written for a skipped stretch between two kept stretches of the crop window. */
  int gap() {
    return Vocabulary.MASK;
  }

  @Override
  public EncodedVariant encode(String wildType, List<Mutation> mutations) {
    Mutation[] muts = mutations.toArray(new Mutation[0]);
    Arrays.sort(muts);
    int length = wildType.length();
    int[] sites = new int[muts.length];
    for (int i = 0; i < muts.length; i++) {
      Mutation m = muts[i];
      if (m.pos() > length) {
        throw new IllegalArgumentException("mutation " + m + " is beyond the wild type's " + length + " residues");
      }
      char have = Character.toUpperCase(wildType.charAt(m.pos() - 1));
      if (have != m.wt()) {
        throw new IllegalArgumentException("mutation " + m + ": the wild type has '" + have + "' at " + m.pos() + ", not '" + m.wt() + "'");
      }
      if (i > 0 && muts[i - 1].pos() == m.pos()) {
        throw new IllegalArgumentException("mutations " + muts[i - 1] + " and " + m + " are at the same position");
      }
      sites[i] = m.pos() - 1;
    }
    String what = "variant " + mutations;
    boolean[] kept = CropWindow.select(length, sites, 2 + extraTokensPerSite() * muts.length, spec.maxTokens(), what);
    List<Integer> ids = new ArrayList<>(spec.maxTokens());
    List<Byte> flags = new ArrayList<>(spec.maxTokens());
    ids.add(bos());
    flags.add((byte) 0);
    int next = 0;
    boolean seenKept = false;
    for (int i = 0; i < length; i++) {
      if (!kept[i]) {
        continue;
      }
      if (seenKept && i > 0 && !kept[i - 1]) {
        ids.add(gap());
        flags.add((byte) 0);
      }
      seenKept = true;
      if (next < muts.length && sites[next] == i) {
        emitSite(muts[next++], ids, flags);
      } else {
        ids.add(residue(wildType.charAt(i)));
        flags.add((byte) 0);
      }
    }
    ids.add(eos());
    flags.add((byte) 0);
    int[] out = ids.stream().mapToInt(Integer::intValue).toArray();
    if (out.length > spec.maxTokens()) {
      throw new IllegalStateException(what + ": encoded to " + out.length + " tokens, budget " + spec.maxTokens());
    }
    byte[] f = null;
    if (flagged()) {
      f = new byte[flags.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = flags.get(i);
      }
    }
    return new EncodedVariant(out, f, SiteKeys.of(wildType, mutations));
  }
}
