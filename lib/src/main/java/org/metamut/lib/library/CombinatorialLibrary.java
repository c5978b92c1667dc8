package org.metamut.lib.library;

import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every combination of allowed residues at chosen sites. At each site the wild-type residue is always an
 * option (the site left unchanged), plus the allowed residues other than the wild type; the all-wild-type
 * combination is left out. So the size is {@code Π (1 + |allowed_i \ {wt_i}|) − 1}: e.g. 4 sites with all 20
 * residues allowed give {@code 20^4 − 1 = 159,999} variants, with 1 to 4 substitutions each.
 *
 * <p>Index {@code i} is the mixed-radix number {@code i + 1} with one digit per site, sites in position order
 * and the last site varying fastest; digit 0 is the wild-type residue, digit {@code j > 0} the j-th allowed
 * residue in {@link Mutation#AMINO_ACIDS} order.
 */
public final class CombinatorialLibrary implements VariantLibrary {
  private static final long serialVersionUID = 1L;

  private final String wildType;
  private final int[] positions;   // 1-based, ascending
  private final String[] options;  // per site: wt first, then allowed non-wt residues in alphabet order
  private final long size;

  /**
   * @param wildType the wild-type sequence
   * @param allowed  1-based position → allowed residues (one-letter codes; the wild-type letter may be included
   *                 and means nothing more than "unchanged")
   */
  public CombinatorialLibrary(String wildType, Map<Integer, String> allowed) {
    this.wildType = VariantLibrary.requireStandard(wildType);
    if (allowed.isEmpty()) {
      throw new IllegalArgumentException("a combinatorial library needs at least one site");
    }
    TreeMap<Integer, String> sorted = new TreeMap<>(allowed);
    positions = new int[sorted.size()];
    options = new String[sorted.size()];
    long n = 1;
    int s = 0;
    for (Map.Entry<Integer, String> e : sorted.entrySet()) {
      int pos = e.getKey();
      if (pos < 1 || pos > wildType.length()) {
        throw new IllegalArgumentException("combinatorial site " + pos + " is outside 1.." + wildType.length());
      }
      char wt = wildType.charAt(pos - 1);
      StringBuilder opt = new StringBuilder().append(wt);
      String res = e.getValue().toUpperCase(Locale.ROOT);
      for (int i = 0; i < res.length(); i++) {
        if (!Mutation.isAminoAcid(res.charAt(i))) {
          throw new IllegalArgumentException("combinatorial site " + pos + ": '" + res.charAt(i) + "' is not one of "
              + Mutation.AMINO_ACIDS);
        }
      }
      for (char aa : Mutation.AMINO_ACIDS.toCharArray()) {
        if (aa != wt && res.indexOf(aa) >= 0) {
          opt.append(aa);
        }
      }
      if (opt.length() == 1) {
        throw new IllegalArgumentException("combinatorial site " + pos + " allows only its wild-type residue '" + wt + "'");
      }
      positions[s] = pos;
      options[s] = opt.toString();
      if (n > Long.MAX_VALUE / opt.length()) { // the variant count must fit a long (index arithmetic in get)
        throw new IllegalArgumentException("combinatorial library of " + sorted.size() + " sites has more than "
            + Long.MAX_VALUE + " variants (the count overflows at site " + pos + ", number " + (s + 1)
            + " of " + sorted.size()
            + "); use fewer sites or residues per site, or a random library (--random K:N)");
      }
      n *= opt.length();
      s++;
    }
    this.size = n - 1;
  }

  /**
   * Parses a site list such as {@code "39:ACDEFGHIKLMNPQRSTVWY,40:*,41:AV"} ({@code *} = all 20 residues).
   */
  public static Map<Integer, String> parseSites(String text) {
    Map<Integer, String> out = new TreeMap<>();
    for (String part : text.split("[,;\\s]+")) {
      if (part.isBlank()) {
        continue;
      }
      int colon = part.indexOf(':');
      if (colon <= 0 || colon == part.length() - 1) {
        throw new IllegalArgumentException("site '" + part + "' is not <position>:<residues>, e.g. 39:AVG or 39:*");
      }
      int pos;
      try {
        pos = Integer.parseInt(part.substring(0, colon).strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("site '" + part + "' has no integer position before ':'");
      }
      String res = part.substring(colon + 1).strip();
      if (out.put(pos, res.equals("*") ? Mutation.AMINO_ACIDS : res) != null) {
        throw new IllegalArgumentException("site " + pos + " is given twice in '" + text + "'");
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no sites in '" + text + "'");
    }
    return out;
  }

  @Override
  public String wildType() {
    return wildType;
  }

  @Override
  public long size() {
    return size;
  }

  /** The sites, 1-based, ascending. */
  public int[] positions() {
    return positions.clone();
  }

  @Override
  public List<Mutation> get(long index) {
    checkIndex(index);
    long code = index + 1;
    Mutation[] rev = new Mutation[positions.length];
    int n = 0;
    for (int s = positions.length - 1; s >= 0; s--) {
      int radix = options[s].length();
      int digit = (int) (code % radix);
      code /= radix;
      if (digit != 0) {
        rev[n++] = new Mutation(positions[s], options[s].charAt(0), options[s].charAt(digit));
      }
    }
    List<Mutation> out = new ArrayList<>(n);
    for (int i = n - 1; i >= 0; i--) {
      out.add(rev[i]);
    }
    return List.copyOf(out);
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("combinatorial(");
    for (int s = 0; s < positions.length; s++) {
      sb.append(s == 0 ? "" : ",").append(positions[s]).append(':').append(options[s].substring(1));
    }
    return sb.append(String.format(Locale.ROOT, "; %,d variants)", size)).toString();
  }

  @Override
  public String toString() {
    return describe() + Arrays.toString(positions);
  }
}
