/**
 * ESM-2 protein language models from a user's own HuggingFace checkpoint: the safetensors reader
 * ({@link org.metamut.lib.esm.SafeTensors}), the checkpoint folder ({@link org.metamut.lib.esm.EsmCheckpoint}:
 * {@code config.json}, {@code vocab.txt}, {@code model.safetensors}, validated against each other before a weight is
 * read), the ESM tokenizer, the exact inference forward pass ({@link org.metamut.lib.esm.Esm2Model}) and what metamut
 * reads from it per variant ({@link org.metamut.lib.esm.EsmScorer}: masked-marginal zero-shot scores and site
 * embeddings), exposed as the {@code esm-zero-shot} method and the {@code ridge-esm} features
 * ({@link org.metamut.lib.esm.EsmBaselines}), which read a variant's values from an
 * {@link org.metamut.lib.esm.EsmFeatureStore} (values computed earlier, e.g. the jobs' Parquet feature cache) before
 * running the model.
 *
 * <p><b>Fine-tuning.</b> {@link org.metamut.lib.esm.Esm2Model} is inference-only and frozen. To train ESM-2 (issue 17),
 * {@link org.metamut.lib.esm.EsmBackbone} imports a checkpoint as the spec and initial θ of the project's own
 * {@code org.metamut.lib.model.Transformer} (rotary positions, the {@code <cls>}/{@code <pad>} rows swapped, the token-dropout
 * scale of unmasked input folded into the embeddings, a zero scalar head), which MAML, FOMAML, Reptile and the
 * closed-form head then fine-tune like any model, on CPU or GPU; variants are encoded by
 * {@code org.metamut.lib.encode.EsmEncoder}. Esm2Model stays the independent reference the import is tested against
 * (final hidden states within 1e-5 of it and of the official outputs). The backbone assumes input without
 * {@code <mask>}.
 *
 * <p><b>Why plain Java float arrays, not ND4J.</b> Inference only (no gradients), one sequence at a time, and the
 * accuracy target is the official float32 implementation within 1e-4: plain loops make every step (token-dropout
 * scaling, rotary tables from the stored {@code inv_freq}, padded keys, erf GELU) explicit and exact, carry no
 * per-op overhead (ND4J costs 20–40 µs a call, more than a whole layer of the tiny model) and no native memory to
 * close. The cost is speed on large checkpoints: linear layers are single-threaded dot products (see the README for
 * the measured time per variant); a batched ND4J/cuBLAS path for the 150M–650M models on a GPU is not built.
 *
 * <p>Invariants: mutation positions are 1-based into the wild type, token index = position (because of
 * {@code <cls>}); a checkpoint is never executed, only read (no pickle; {@code pytorch_model.bin} is refused with a
 * hint); every file problem is an {@link org.metamut.lib.esm.InvalidCheckpointException} with a one-line message
 * naming the file; models are immutable after loading. No Spark imports.
 */
package org.metamut.lib.esm;
