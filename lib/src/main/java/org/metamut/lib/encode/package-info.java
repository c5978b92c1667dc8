/**
 * Tokeniser and mutation encoders: the fixed vocabulary of DESIGN.md §6 ({@link org.metamut.lib.encode.Vocabulary}),
 * and {@link org.metamut.lib.encode.Encoder}s that turn a wild-type sequence plus a variant's mutations into tokens
 * (and its {@link org.metamut.lib.encode.SiteKeys}: the one-hot difference from the wild type, which never reaches the
 * model's tokens).
 *
 * <p>Invariants: mutation positions are 1-based; every encoded variant is {@code BOS, window, EOS} with at most
 * {@code maxTokens} tokens and no padding (padding is added only when variants are batched, by
 * {@link org.metamut.lib.encode.EncodedVariant#toBatch}); BOS is always token 0 (what CLS pooling reads); the crop
 * window rule is documented on {@link org.metamut.lib.encode.CropWindow}; encoders are stateless and chosen by an
 * {@link org.metamut.lib.encode.EncoderSpec}, which every model file records. No Spark imports.
 */
package org.metamut.lib.encode;
