/**
 * Reading the data the jobs share, in one place for ingest, meta-train, evaluate and score: the {@code proteins}
 * table ({@link org.metamut.jobs.data.Proteins}, which also writes it and reads wild types from FASTA files),
 * the encoded episodes ({@link org.metamut.jobs.data.EpisodeLoader} into an
 * {@link org.metamut.jobs.data.EpisodeStore}), every labelled variant of the meta-train tasks for fresh episodes
 * ({@link org.metamut.jobs.data.VariantPoolLoader} into a {@link org.metamut.jobs.data.VariantPool}, which draws a
 * seeded support/query sample per step and task), the held-out parts of pooled tasks under leave-one-protein-out
 * ({@link org.metamut.jobs.data.HeldOutPools}: naming and resolving {@code <task>@meta-test}), the meta-batch drawn from them
 * ({@link org.metamut.jobs.data.MetaBatchSampler}), and content fingerprints of input files and folders
 * ({@link org.metamut.jobs.data.DataFingerprint}).
 *
 * <p>Invariants: every path goes through Hadoop's FileSystem API, so local paths and HDFS behave the same; the
 * table layouts are those of {@link org.metamut.jobs.schema.Schemas}; nothing here trains or scores.
 */
package org.metamut.jobs.data;
