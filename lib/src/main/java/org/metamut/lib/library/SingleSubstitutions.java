package org.metamut.lib.library;

import org.metamut.lib.mutation.Mutation;

import java.util.List;
import java.util.Locale;

/**
 * Every single substitution of the wild type: L positions × 19 non-wild-type residues. Index
 * {@code i} is position {@code i / 19 + 1} and the {@code (i % 19)}-th amino acid of
 * {@link Mutation#AMINO_ACIDS} other than the wild-type residue there.
 */
public final class SingleSubstitutions implements VariantLibrary {
  private static final long serialVersionUID = 1L;
  private static final int PER_SITE = Mutation.AMINO_ACIDS.length() - 1; // 19

  private final String wildType;

  public SingleSubstitutions(String wildType) {
    this.wildType = VariantLibrary.requireStandard(wildType);
  }

  @Override
  public String wildType() {
    return wildType;
  }

  @Override
  public long size() {
    return (long) wildType.length() * PER_SITE;
  }

  @Override
  public List<Mutation> get(long index) {
    checkIndex(index);
    int site = (int) (index / PER_SITE);
    int k = (int) (index % PER_SITE);
    char wt = wildType.charAt(site);
    int wtIdx = Mutation.AMINO_ACIDS.indexOf(wt);
    char mt = Mutation.AMINO_ACIDS.charAt(k < wtIdx ? k : k + 1);
    return List.of(new Mutation(site + 1, wt, mt));
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "singles(L=%d, %,d variants)", wildType.length(), size());
  }

  @Override
  public String toString() {
    return describe();
  }
}
