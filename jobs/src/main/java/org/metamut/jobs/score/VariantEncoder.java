package org.metamut.jobs.score;

import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.mutation.Mutation;

import java.io.Serializable;
import java.util.List;

/**
 * The score job's serialisable handle on an {@link Encoder} (which is not serialisable): the encoder a model
 * file names ({@link EncoderSpec}), re-created where it is used. {@link #encode} turns an encoder refusal (the
 * sites cannot fit the token budget) into {@link Unencodable} with reason {@code SITES_DO_NOT_FIT}, which sends
 * the variant to the rejected table instead of failing the job.
 *
 * @param kind      encoder kind ({@link EncoderSpec#KINDS})
 * @param maxTokens token budget of one variant
 */
public record VariantEncoder(String kind, int maxTokens) implements Serializable {
  private static final long serialVersionUID = 1L;

  public static VariantEncoder of(EncoderSpec spec) {
    return new VariantEncoder(spec.kind(), spec.maxTokens());
  }

  public EncoderSpec spec() {
    return new EncoderSpec(kind, maxTokens);
  }

  /** A thread-safe encoder to reuse within a partition. */
  public Encoder encoder() {
    return Encoder.of(spec());
  }

  /** Longest token sequence produced. */
  public int maxLen() {
    return maxTokens;
  }

  /** Encodes with a fresh encoder (use {@link #encode(Encoder, String, List)} in loops). */
  public EncodedVariant encode(String wildType, List<Mutation> mutations) {
    return encode(encoder(), wildType, mutations);
  }

  public static EncodedVariant encode(Encoder enc, String wildType, List<Mutation> mutations) {
    try {
      return enc.encode(wildType, mutations);
    } catch (IllegalArgumentException e) {
      throw new Unencodable("SITES_DO_NOT_FIT", e.getMessage());
    }
  }

  public String describe() {
    return kind + "(maxTokens=" + maxTokens + ")";
  }

  /** A variant that the encoder cannot represent; {@code reason} is a stable code. */
  public static final class Unencodable extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public Unencodable(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }
}
